using System;
using System.Threading.Tasks;

namespace Dbos;

// The overloads differ by the queue's form (object or name) and the call's result; each has the same optional options last.
#pragma warning disable RS0026
public static partial class DBOS
{
    /// <summary>
    /// Starts a workflow in the background with options (its ID, a timeout; with <see cref="WorkflowOptions.Queue"/> it is enqueued
    /// instead): <c>await DBOS.StartWorkflowAsync(() => orders.PlaceOrder(42), new WorkflowOptions { WorkflowId = "order-42" })</c>.
    /// </summary>
    public static async Task<WorkflowHandle<TResult>> StartWorkflowAsync<TResult>(Func<Task<TResult>> workflowCall, WorkflowOptions? options)
    {
        RejectMethodGroup(workflowCall);
        return (await StartCoreAsync(workflowCall, options).ConfigureAwait(false)).As<TResult>();
    }

    /// <inheritdoc cref="StartWorkflowAsync{TResult}(Func{Task{TResult}}, WorkflowOptions?)"/>
    public static Task<WorkflowHandle> StartWorkflowAsync(Func<Task> workflowCall, WorkflowOptions? options)
    {
        RejectMethodGroup(workflowCall);
        return StartCoreAsync(workflowCall, options);
    }

    /// <summary>
    /// Enqueues a workflow on <paramref name="queue"/> and returns its handle once it is durably recorded (ENQUEUED, or DELAYED
    /// with <see cref="WorkflowOptions.Delay"/>). A process that serves the queue runs it within the queue's limits; this one does
    /// when it registered the queue. Inside a workflow, the enqueue is a durable operation: a recovered parent does not enqueue
    /// again, and the child's ID is <c>{parent}-{function id}</c>.
    /// <c>var handle = await DBOS.EnqueueAsync(Payments, () => billing.Charge(order), new WorkflowOptions { DeduplicationId = $"charge-{order.Id}" });</c>
    /// </summary>
    /// <exception cref="QueueDeduplicatedException">A workflow with the same deduplication ID is enqueued or running on the queue.</exception>
    public static Task<WorkflowHandle<TResult>> EnqueueAsync<TResult>(WorkflowQueue queue, Func<Task<TResult>> workflowCall, WorkflowOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(queue);
        return EnqueueAsync(queue.Name, workflowCall, options);
    }

    /// <inheritdoc cref="EnqueueAsync{TResult}(WorkflowQueue, Func{Task{TResult}}, WorkflowOptions?)"/>
    public static Task<WorkflowHandle> EnqueueAsync(WorkflowQueue queue, Func<Task> workflowCall, WorkflowOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(queue);
        return EnqueueAsync(queue.Name, workflowCall, options);
    }

    /// <summary>Enqueues a workflow on the queue named <paramref name="queueName"/> (served by this process or another one).</summary>
    /// <inheritdoc cref="EnqueueAsync{TResult}(WorkflowQueue, Func{Task{TResult}}, WorkflowOptions?)"/>
    public static async Task<WorkflowHandle<TResult>> EnqueueAsync<TResult>(string queueName, Func<Task<TResult>> workflowCall, WorkflowOptions? options = null)
    {
        RejectMethodGroup(workflowCall);
        return (await StartCoreAsync(workflowCall, WithQueue(queueName, options)).ConfigureAwait(false)).As<TResult>();
    }

    /// <inheritdoc cref="EnqueueAsync{TResult}(string, Func{Task{TResult}}, WorkflowOptions?)"/>
    public static Task<WorkflowHandle> EnqueueAsync(string queueName, Func<Task> workflowCall, WorkflowOptions? options = null)
    {
        RejectMethodGroup(workflowCall);
        return StartCoreAsync(workflowCall, WithQueue(queueName, options));
    }

    private static WorkflowOptions WithQueue(string queueName, WorkflowOptions? options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queueName);
        if (options?.Queue is { } other && other != queueName)
        {
            throw new ArgumentException($"The workflow is enqueued on '{queueName}', but its options name queue '{other}'. Set one of them.", nameof(options));
        }

        return new WorkflowOptions
        {
            WorkflowId = options?.WorkflowId,
            Timeout = options?.Timeout,
            Queue = queueName,
            DeduplicationId = options?.DeduplicationId,
            Priority = options?.Priority,
            Delay = options?.Delay,
            PartitionKey = options?.PartitionKey,
            ApplicationVersion = options?.ApplicationVersion,
        };
    }
}
#pragma warning restore RS0026
