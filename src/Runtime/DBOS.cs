using System;
using System.Threading;
using System.Threading.Tasks;
using Dbos.Internal;

namespace Dbos;

/// <summary>
/// The DBOS façade: context methods and variables for workflow code. Calls made inside a workflow act on that
/// workflow; calls made outside one use the running <see cref="DbosRuntime"/>.
/// </summary>
#pragma warning disable CA1724 // The name is DBOS's public API.
public static partial class DBOS
#pragma warning restore CA1724
{
    /// <summary>The ID of the current workflow. May only be accessed inside a workflow, a step or a transaction.</summary>
    /// <exception cref="InvalidOperationException">Outside a workflow, step or transaction.</exception>
    public static string WorkflowId => DbosAmbient.Current?.Workflow?.WorkflowId
        ?? throw new InvalidOperationException("DBOS.WorkflowId may only be accessed inside a workflow, a step or a transaction (a [Workflow], [Step] or [Transaction] method called from a workflow, or code they call).");

    /// <summary>
    /// Starts a workflow in the background and returns its handle once the workflow is durably recorded: from then on
    /// it runs to completion even if this process dies. Pass a lambda that calls the workflow:
    /// <c>var handle = await DBOS.StartWorkflowAsync(() => orders.PlaceOrder(42));</c>
    /// </summary>
    public static async Task<WorkflowHandle<TResult>> StartWorkflowAsync<TResult>(Func<Task<TResult>> workflowCall)
    {
        RejectMethodGroup(workflowCall);
        return (await StartCoreAsync(workflowCall).ConfigureAwait(false)).As<TResult>();
    }

    /// <inheritdoc cref="StartWorkflowAsync{TResult}(Func{Task{TResult}})"/>
    public static Task<WorkflowHandle> StartWorkflowAsync(Func<Task> workflowCall)
    {
        RejectMethodGroup(workflowCall);
        return StartCoreAsync(workflowCall);
    }

    /// <summary>Starts a synchronous workflow in the background: <c>DBOS.StartWorkflow(() => reports.Build(day))</c>.</summary>
    public static WorkflowHandle<TResult> StartWorkflow<TResult>(Func<TResult> workflowCall)
    {
        RejectMethodGroup(workflowCall);
        return SyncOverAsync.Run(() => StartCoreAsync(() => Task.FromResult(workflowCall()))).As<TResult>();
    }

    /// <inheritdoc cref="StartWorkflow{TResult}(Func{TResult})"/>
    public static WorkflowHandle StartWorkflow(Action workflowCall)
    {
        RejectMethodGroup(workflowCall);
        return SyncOverAsync.Run(() => StartCoreAsync(() =>
        {
            workflowCall();
            return Task.CompletedTask;
        }));
    }

    /// <summary>A durable method passed as a method group (<c>DBOS.StartWorkflowAsync(orders.PlaceOrder)</c>) would be called
    /// through the delegate, which no interceptor sees: its body would run once, not durably. Refused before it runs (DBOS010).</summary>
    internal static void RejectMethodGroup(Delegate workflowCall)
    {
        ArgumentNullException.ThrowIfNull(workflowCall);
        var method = workflowCall.Method;
        var declared = method.GetBaseDefinition();
        bool Marked(Type attribute) => method.IsDefined(attribute, inherit: false) || declared.IsDefined(attribute, inherit: false);
        var kind = Marked(typeof(WorkflowAttribute)) ? "[Workflow]"
            : Marked(typeof(StepAttribute)) ? "[Step]"
            : Marked(typeof(TransactionAttribute)) ? "[Transaction]"
            : null;
        if (kind is not null)
        {
            throw new ArgumentException(
                $"DBOS.StartWorkflow was given {kind} method '{method.DeclaringType?.Name}.{method.Name}' as a method group, which would run it " +
                $"through a delegate, not durably. Pass a lambda that calls it: DBOS.StartWorkflowAsync(() => {method.Name}(...)) (analyzer DBOS010). " +
                "Nothing was started.",
                nameof(workflowCall));
        }
    }

    internal static async Task<WorkflowHandle> StartCoreAsync(Func<Task> workflowCall, WorkflowOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(workflowCall);
        var request = new StartRequest(options);
        Task call;
        using (DbosAmbient.Push((DbosAmbient.Current ?? new DbosAmbient()) with { StartRequest = request }))
        {
            try
            {
                call = workflowCall();
            }
            catch (Exception e)
            {
                call = Task.FromException(e);
            }
        }

        // The workflow's own completion is observed through the handle, not through this task.
        _ = call.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        if (!request.Taken)
        {
            await call.ConfigureAwait(false);
            throw new ArgumentException(
                "DBOS.StartWorkflow needs a lambda that calls a [Workflow] method directly, e.g. DBOS.StartWorkflowAsync(() => orders.PlaceOrder(42)). " +
                "The lambda made no workflow call that the Dbos generator intercepted (is the method marked [Workflow] and its class partial?).",
                nameof(workflowCall));
        }

        return await request.Handle.Task.ConfigureAwait(false);
    }

    /// <summary>
    /// Sends a message to the workflow <paramref name="destinationId"/>, on <paramref name="topic"/> (or the no-topic queue).
    /// Inside a workflow the send is a durable operation: re-execution does not send again. Outside one, pass an
    /// <paramref name="idempotencyKey"/> to make retries deliver once.
    /// </summary>
    /// <exception cref="NonExistentWorkflowException">No workflow has the ID <paramref name="destinationId"/>.</exception>
    public static Task SendAsync<T>(string destinationId, T message, string? topic = null, string? idempotencyKey = null, CancellationToken cancellationToken = default)
        => Messaging.DurableMessaging.SendAsync(destinationId, message, topic, idempotencyKey, cancellationToken);

    /// <inheritdoc cref="SendAsync{T}(string, T, string?, string?, CancellationToken)"/>
    public static void Send<T>(string destinationId, T message, string? topic = null, string? idempotencyKey = null)
        => SyncOverAsync.Run(() => SendAsync(destinationId, message, topic, idempotencyKey));

    /// <summary>
    /// Receives the oldest message sent to the current workflow on <paramref name="topic"/> (messages sent without a topic when
    /// null), waiting up to <paramref name="timeout"/> (default 60 s) for one; returns <c>default</c> on timeout (ask for
    /// <c>int?</c> rather than <c>int</c> to tell a timeout from 0). May only be called in a workflow's body. Consuming the
    /// message and recording it are one transaction: a message is never lost or received twice.
    /// </summary>
    public static Task<T?> RecvAsync<T>(string? topic = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        => Messaging.DurableMessaging.RecvAsync<T>(topic, timeout, cancellationToken);

    /// <inheritdoc cref="RecvAsync{T}(string?, TimeSpan?, CancellationToken)"/>
    public static T? Recv<T>(string? topic = null, TimeSpan? timeout = null)
        => SyncOverAsync.Run(() => RecvAsync<T>(topic, timeout));

    /// <summary>Publishes (or updates) the event <paramref name="key"/> of the current workflow. May only be called inside a workflow.</summary>
    public static Task SetEventAsync<T>(string key, T value, CancellationToken cancellationToken = default)
        => Messaging.DurableMessaging.SetEventAsync(key, value, cancellationToken);

    /// <inheritdoc cref="SetEventAsync{T}(string, T, CancellationToken)"/>
    public static void SetEvent<T>(string key, T value)
        => SyncOverAsync.Run(() => SetEventAsync(key, value));

    /// <summary>
    /// The latest value of event <paramref name="key"/> of workflow <paramref name="workflowId"/>, waiting up to
    /// <paramref name="timeout"/> (default 60 s) for it to be set; <c>default</c> on timeout. Durable inside a workflow.
    /// </summary>
    public static Task<T?> GetEventAsync<T>(string workflowId, string key, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        => Messaging.DurableMessaging.GetEventAsync<T>(workflowId, key, timeout, cancellationToken);

    /// <inheritdoc cref="GetEventAsync{T}(string, string, TimeSpan?, CancellationToken)"/>
    public static T? GetEvent<T>(string workflowId, string key, TimeSpan? timeout = null)
        => SyncOverAsync.Run(() => GetEventAsync<T>(workflowId, key, timeout));

    /// <summary>
    /// Sleeps durably: the wake-up time is recorded, so a workflow recovered after a crash sleeps only the remainder.
    /// May only be called inside a workflow.
    /// </summary>
    public static Task SleepAsync(TimeSpan duration, CancellationToken cancellationToken = default)
        => Messaging.DurableMessaging.SleepAsync(duration, cancellationToken);

    /// <inheritdoc cref="SleepAsync(TimeSpan, CancellationToken)"/>
    public static void Sleep(TimeSpan duration)
        => SyncOverAsync.Run(() => SleepAsync(duration));

    /// <summary>A handle to the workflow with this ID, started by any process. Throws
    /// <see cref="NonExistentWorkflowException"/> if there is none, unless <paramref name="existingWorkflow"/> is false,
    /// in which case it waits for the workflow to be created.</summary>
    public static Task<WorkflowHandle<TResult>> RetrieveWorkflowAsync<TResult>(string workflowId, bool existingWorkflow = true, CancellationToken cancellationToken = default)
        => DbosRuntime.Resolve(null).RetrieveWorkflowAsync<TResult>(workflowId, existingWorkflow, cancellationToken);

    /// <inheritdoc cref="RetrieveWorkflowAsync{TResult}(string, bool, CancellationToken)"/>
    public static WorkflowHandle<TResult> RetrieveWorkflow<TResult>(string workflowId, bool existingWorkflow = true)
        => SyncOverAsync.Run(() => RetrieveWorkflowAsync<TResult>(workflowId, existingWorkflow));
}
