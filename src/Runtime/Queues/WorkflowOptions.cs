using System;

namespace Dbos;

/// <summary>
/// How to start or enqueue one workflow: its ID, timeout, queue and the queue's options. Every property is optional;
/// <c>null</c> means the default (a new ID, no timeout, run now in this process).
/// </summary>
public sealed class WorkflowOptions
{
    /// <summary>The workflow's ID (its idempotency key): a second start with the same ID returns the first workflow. Default: a new UUID.</summary>
    public string? WorkflowId { get; init; }

    /// <summary>Start-to-close timeout: the workflow is cancelled when it has not finished this long after it started (for a
    /// queued workflow, after it was dequeued). Children inherit the deadline unless they set their own.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>The queue to enqueue on (a queue registered with <c>DbosOptions.AddQueue</c>, or any queue another process serves).</summary>
    public string? Queue { get; init; }

    /// <summary>While a workflow with this ID is ENQUEUED or PENDING on the same queue, enqueuing another fails with
    /// <see cref="QueueDeduplicatedException"/>; once it finishes, the ID may be used again.</summary>
    public string? DeduplicationId { get; init; }

    /// <summary>Dequeue priority: 0 (the default) is the highest, then 1 to 2,147,483,647; equal priorities are dequeued in
    /// enqueue order.</summary>
    public int? Priority { get; init; }

    /// <summary>Waits this long (status DELAYED) before the workflow becomes ENQUEUED.</summary>
    public TimeSpan? Delay { get; init; }

    /// <summary>The partition of a partitioned queue: its limits apply per partition key.</summary>
    public string? PartitionKey { get; init; }

    /// <summary>The application version that may run the workflow. Default: this process's version for a start; for an enqueue,
    /// the enqueuing process's version (a row with no version is run by an executor of the latest version).</summary>
    public string? ApplicationVersion { get; init; }
}
