using System;
using System.Threading;
using System.Threading.Tasks;

namespace Dbos;

/// <summary>A handle to a workflow that returns no value: its ID, its status, and a way to wait for it.</summary>
public class WorkflowHandle
{
    private protected readonly DbosRuntime Runtime;

    internal WorkflowHandle(DbosRuntime runtime, string workflowId)
    {
        Runtime = runtime;
        WorkflowId = workflowId;
    }

    /// <summary>The workflow's ID.</summary>
    public string WorkflowId { get; }

    /// <summary>The workflow's current status row, or null if it does not exist.</summary>
    public Task<WorkflowStatus?> GetStatusAsync(CancellationToken cancellationToken = default)
        => Runtime.GetWorkflowStatusAsync(WorkflowId, cancellationToken);

    /// <summary>Waits for the workflow to finish; throws its error if it failed.</summary>
    public Task WaitAsync(CancellationToken cancellationToken = default)
        => Messaging.DurableMessaging.AwaitResultAsync<object?>(Runtime, WorkflowId, typeof(object), cancellationToken);

    /// <summary>Blocking variant of <see cref="WaitAsync"/>; safe in any synchronization context.</summary>
    public void Wait() => Internal.SyncOverAsync.Run(() => WaitAsync());

    /// <summary>The same workflow, its result read as <typeparamref name="TResult"/>.</summary>
    internal WorkflowHandle<TResult> As<TResult>() => this as WorkflowHandle<TResult> ?? new WorkflowHandle<TResult>(Runtime, WorkflowId);
}

/// <summary>A handle to a workflow returning <typeparamref name="TResult"/>.</summary>
public sealed class WorkflowHandle<TResult> : WorkflowHandle
{
    internal WorkflowHandle(DbosRuntime runtime, string workflowId)
        : base(runtime, workflowId) { }

    /// <summary>Waits for the workflow's result (from this process or another); throws the workflow's error if it failed.
    /// Inside a workflow, waiting is a durable operation: a re-executed workflow gets the recorded result.</summary>
    public Task<TResult> GetResultAsync(CancellationToken cancellationToken = default)
        => Messaging.DurableMessaging.AwaitResultAsync<TResult>(Runtime, WorkflowId, typeof(TResult), cancellationToken);

    /// <summary>Blocking variant of <see cref="GetResultAsync"/>; safe in any synchronization context.</summary>
    public TResult GetResult() => Internal.SyncOverAsync.Run(() => GetResultAsync());
}

/// <summary>A workflow's status as stored in <c>workflow_status</c> (more columns in <c>Management/WorkflowStatus.Details.cs</c>).</summary>
public sealed partial record WorkflowStatus(
    string WorkflowId,
    string Status,
    string? Name,
    string? ClassName,
    string? ExecutorId,
    string? ApplicationVersion,
    string? ApplicationName,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? CompletedAt,
    long RecoveryAttempts,
    string? QueueName,
    string? ParentWorkflowId,
    string? AuthenticatedUser,
    string? AssumedRole,
    string? Serialization);
