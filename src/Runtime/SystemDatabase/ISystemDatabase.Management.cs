using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Dbos.SystemDatabase;

/// <summary>Operating workflows: listing, cancel, resume, fork, delete and garbage collection, each writing the rows DBOS
/// TypeScript 5.3 writes for the same operation, so a DBOS executor in any language runs what these calls enqueue.</summary>
internal partial interface ISystemDatabase
{
    /// <summary>The workflows matching <paramref name="filter"/>, ordered by <c>created_at</c> (then ID); with
    /// <paramref name="queuedOnly"/>, only those on a queue and ENQUEUED, PENDING or DELAYED.</summary>
    Task<IReadOnlyList<WorkflowListRow>> ListWorkflowsAsync(WorkflowFilter filter, bool queuedOnly, CancellationToken cancellationToken);

    /// <summary>Sets CANCELLED on those of <paramref name="workflowIds"/> that have not finished (not SUCCESS or ERROR): clears the
    /// owner, queue, deduplication ID and <c>started_at</c>, sets <c>completed_at</c>. Returns the IDs it changed.</summary>
    Task<IReadOnlyList<string>> CancelWorkflowsAsync(IReadOnlyList<string> workflowIds, long now, CancellationToken cancellationToken);

    /// <summary>Cancels the workflow as <see cref="CancelWorkflowsAsync"/> does, only while it is active and its deadline has
    /// passed. Returns whether it did.</summary>
    Task<bool> CancelTimedOutWorkflowAsync(string workflowId, long now, CancellationToken cancellationToken);

    /// <summary>Cancels up to <paramref name="limit"/> active workflows of this application whose deadline has passed (rows
    /// another transaction holds are left for the next sweep). Returns their IDs.</summary>
    Task<IReadOnlyList<string>> CancelTimedOutWorkflowsAsync(long now, int limit, CancellationToken cancellationToken);

    /// <summary>The IDs of the direct children of these workflows.</summary>
    Task<IReadOnlyList<string>> GetChildWorkflowIdsAsync(IReadOnlyList<string> parentIds, CancellationToken cancellationToken);

    /// <summary>Those of <paramref name="workflowIds"/> that exist.</summary>
    Task<IReadOnlyList<string>> GetExistingWorkflowIdsAsync(IReadOnlyList<string> workflowIds, CancellationToken cancellationToken);

    /// <summary>Unless the workflow finished (SUCCESS or ERROR): ENQUEUED on <paramref name="queueName"/>, no owner, recovery
    /// attempts 0, deadline, deduplication ID, <c>started_at</c> and <c>completed_at</c> cleared. Returns the status it had
    /// (null when there is no such workflow) and whether it was enqueued.</summary>
    Task<ResumeResult> ResumeWorkflowAsync(string workflowId, string queueName, long now, CancellationToken cancellationToken);

    /// <summary>In one transaction: a new ENQUEUED workflow with the original's name, class, inputs, user and attributes,
    /// <c>forked_from</c> the original; copies of its operations, stream entries and event history before the start step and
    /// each event's latest value among them; the original marked <c>was_forked_from</c>.</summary>
    Task<ForkResult> ForkWorkflowAsync(WorkflowFork fork, CancellationToken cancellationToken);

    /// <summary>Deletes the workflows and every row that belongs to them (inputs, outputs, operations, messages to them, events,
    /// event history, streams) in one transaction. Returns how many status rows it deleted.</summary>
    Task<int> DeleteWorkflowsAsync(IReadOnlyList<string> workflowIds, CancellationToken cancellationToken);

    /// <summary>Deletes up to <paramref name="batchSize"/> of the oldest finished workflows created before
    /// <paramref name="createdBefore"/> (never ENQUEUED, PENDING or DELAYED ones; rows other transactions hold are skipped), with
    /// their dependent rows, in one short transaction. Returns how many it deleted.</summary>
    Task<int> GarbageCollectBatchAsync(long createdBefore, int batchSize, CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="batchSize"/> IDs of the oldest finished workflows created before <paramref name="createdBefore"/>
    /// (a read: nothing is locked or deleted).</summary>
    Task<IReadOnlyList<string>> GetGarbageAsync(long createdBefore, int batchSize, CancellationToken cancellationToken);

    /// <summary>Deletes those of these workflows that are still finished (never ENQUEUED, PENDING or DELAYED ones; rows other
    /// transactions hold are skipped), with their dependent rows, in one short transaction. Returns how many it deleted.</summary>
    Task<int> DeleteFinishedWorkflowsAsync(IReadOnlyList<string> workflowIds, CancellationToken cancellationToken);

    /// <summary>The <c>created_at</c> of the workflow with <paramref name="newerCount"/> newer workflows, or null when there are
    /// not that many.</summary>
    Task<long?> GetCreatedAtOfNewestAsync(int newerCount, CancellationToken cancellationToken);

    /// <summary>The status and owner of each of these workflows that exists.</summary>
    Task<IReadOnlyList<WorkflowState>> GetWorkflowStatesAsync(IReadOnlyList<string> workflowIds, CancellationToken cancellationToken);
}

/// <summary>A row of <c>workflow_status</c> as the management calls list it, with its payloads when they were loaded.</summary>
internal sealed record WorkflowListRow(
    string WorkflowId,
    string Status,
    string? Name,
    string? ClassName,
    string? ConfigName,
    string? AuthenticatedUser,
    string? AssumedRole,
    string? AuthenticatedRoles,
    string? ExecutorId,
    string? ApplicationVersion,
    string? ApplicationName,
    long CreatedAt,
    long UpdatedAt,
    long? CompletedAt,
    long RecoveryAttempts,
    string? QueueName,
    long? TimeoutMs,
    long? DeadlineEpochMs,
    long? StartedAt,
    long? DelayUntil,
    string? DeduplicationId,
    int Priority,
    string? PartitionKey,
    string? ForkedFrom,
    bool WasForkedFrom,
    string? ParentWorkflowId,
    string? Serialization,
    string? Inputs,
    string? Output,
    string? Error);

internal readonly record struct ResumeResult(bool Exists, string? PreviousStatus, bool Enqueued);

/// <summary>What a fork writes: the new workflow's ID, the first step it runs (the ones before are copied), its queue and the
/// optional version, partition and timeout. <see cref="ApplicationName"/> claims an unclaimed original's fork for this application.</summary>
internal sealed record WorkflowFork(
    string OriginalId,
    string ForkId,
    int StartStep,
    string QueueName,
    string? ApplicationVersion,
    string? PartitionKey,
    long? TimeoutMs,
    string? ApplicationName,
    long Now);

internal readonly record struct ForkResult(bool OriginalExists, bool Inserted);

internal sealed record WorkflowState(string WorkflowId, string? Status, string? OwnerXid);
