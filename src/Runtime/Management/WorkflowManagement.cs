using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Dbos.Serialization;
using Dbos.SystemDatabase;

namespace Dbos.Internal;

/// <summary>
/// The operations on workflows (list, inspect, cancel, resume, fork, delete, garbage-collect) over a system database, with DBOS's
/// semantics and rows. <c>DbosRuntime</c> (and through it <c>DBOS</c>) adds what only a running executor can do: stop its own
/// executions at once. An external client needs nothing more than this.
/// </summary>
internal sealed class WorkflowManagement
{
    /// <summary>The queue DBOS puts resumed and forked workflows on; every DBOS executor serves it.</summary>
    public const string InternalQueue = "_dbos_internal_queue";

    /// <summary>Finished workflows deleted per garbage-collection transaction.</summary>
    public const int DefaultBatchSize = 1000;

    private readonly ISystemDatabase _database;
    private readonly TimeProvider _time;
    private readonly string? _applicationName;

    private readonly Func<IReadOnlyList<string>, CancellationToken, Task>? _purgeApplicationRows;

    /// <param name="database">The system database.</param>
    /// <param name="serializerFor">The serializer of a row's serialization format.</param>
    /// <param name="time">The clock.</param>
    /// <param name="applicationName">The application's name, or null.</param>
    /// <param name="purgeApplicationRows">Deletes the application database's rows of workflows about to be deleted
    /// (<c>transaction_outputs</c>); null without an application database (an external client).</param>
    public WorkflowManagement(ISystemDatabase database, Func<string?, IDbosSerializer> serializerFor, TimeProvider time, string? applicationName,
        Func<IReadOnlyList<string>, CancellationToken, Task>? purgeApplicationRows = null)
    {
        _database = database;
        _time = time;
        _applicationName = applicationName;
        _purgeApplicationRows = purgeApplicationRows;
        Payloads = new StoredPayloadReader(serializerFor);
    }

    public StoredPayloadReader Payloads { get; }

    private long Now() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    public async Task<IReadOnlyList<WorkflowStatus>> ListWorkflowsAsync(WorkflowFilter filter, bool queuedOnly, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var rows = await _database.ListWorkflowsAsync(filter, queuedOnly, cancellationToken).ConfigureAwait(false);
        return rows.Select(ToStatus).ToList();
    }

    /// <summary>The filter of a queued-workflows list: the caller's, restricted to queues, without outputs.</summary>
    public static WorkflowFilter QueuedFilter(WorkflowFilter? filter)
    {
        return new WorkflowFilter
        {
            WorkflowIds = filter?.WorkflowIds, WorkflowIdPrefix = filter?.WorkflowIdPrefix, Statuses = filter?.Statuses, Name = filter?.Name,
            ClassName = filter?.ClassName, CreatedAfter = filter?.CreatedAfter, CreatedBefore = filter?.CreatedBefore, CompletedAfter = filter?.CompletedAfter,
            CompletedBefore = filter?.CompletedBefore, DequeuedAfter = filter?.DequeuedAfter, DequeuedBefore = filter?.DequeuedBefore,
            ApplicationVersion = filter?.ApplicationVersion, ApplicationName = filter?.ApplicationName, ExecutorId = filter?.ExecutorId, AuthenticatedUser = filter?.AuthenticatedUser,
            QueueName = filter?.QueueName, QueuesOnly = true, ParentWorkflowId = filter?.ParentWorkflowId, ForkedFrom = filter?.ForkedFrom,
            WasForkedFrom = filter?.WasForkedFrom, HasParent = filter?.HasParent, Limit = filter?.Limit, Offset = filter?.Offset,
            SortDescending = filter?.SortDescending ?? false, LoadInput = filter?.LoadInput ?? true, LoadOutput = false,
        };
    }

    public async Task<WorkflowStatus?> GetWorkflowStatusAsync(string workflowId, CancellationToken cancellationToken)
    {
        SetWorkflowID.Validate(workflowId, nameof(workflowId));
        var rows = await _database.ListWorkflowsAsync(new WorkflowFilter { WorkflowIds = [workflowId], LoadInput = false, LoadOutput = false }, false, cancellationToken).ConfigureAwait(false);
        return rows.Count == 0 ? null : ToStatus(rows[0]);
    }

    public async Task<IReadOnlyList<WorkflowStep>> ListWorkflowStepsAsync(string workflowId, CancellationToken cancellationToken)
    {
        SetWorkflowID.Validate(workflowId, nameof(workflowId));
        var operations = await _database.GetOperationsAsync(workflowId, cancellationToken).ConfigureAwait(false);
        if (operations.Count == 0 && (await _database.GetExistingWorkflowIdsAsync([workflowId], cancellationToken).ConfigureAwait(false)).Count == 0)
        {
            throw new NonExistentWorkflowException(workflowId);
        }

        return operations.Select(o => new WorkflowStep(o.FunctionId, o.FunctionName, o.ChildWorkflowId, FromMs(o.StartedAt), FromMs(o.CompletedAt))
        {
            SerializedOutput = o.Output,
            SerializedError = o.Error,
            Serialization = o.Serialization,
            Payloads = Payloads,
            WorkflowId = workflowId,
        }).ToList();
    }

    /// <summary>Cancels the workflow (and with <paramref name="cancelChildren"/> its descendants, level by level through
    /// <c>parent_workflow_id</c>). Returns the IDs whose status it changed to CANCELLED.</summary>
    public async Task<IReadOnlyList<string>> CancelWorkflowAsync(string workflowId, bool cancelChildren, CancellationToken cancellationToken)
    {
        SetWorkflowID.Validate(workflowId, nameof(workflowId));
        var cancelled = new List<string>(await _database.CancelWorkflowsAsync([workflowId], Now(), cancellationToken).ConfigureAwait(false));
        if (cancelled.Count == 0 && (await _database.GetExistingWorkflowIdsAsync([workflowId], cancellationToken).ConfigureAwait(false)).Count == 0)
        {
            throw new NonExistentWorkflowException(workflowId);
        }

        if (cancelChildren)
        {
            var visited = new HashSet<string>(StringComparer.Ordinal) { workflowId };
            IReadOnlyList<string> frontier = [workflowId];
            while (frontier.Count > 0)
            {
                var children = (await _database.GetChildWorkflowIdsAsync(frontier, cancellationToken).ConfigureAwait(false)).Where(visited.Add).ToList();
                if (children.Count > 0)
                {
                    cancelled.AddRange(await _database.CancelWorkflowsAsync(children, Now(), cancellationToken).ConfigureAwait(false));
                }

                frontier = children;
            }
        }

        return cancelled;
    }

    /// <summary>Puts the workflow back on a queue (<see cref="InternalQueue"/> by default) to run again from its checkpoints,
    /// unless it finished. Returns the status it had.</summary>
    public async Task<string?> ResumeWorkflowAsync(string workflowId, string? queueName, CancellationToken cancellationToken)
    {
        SetWorkflowID.Validate(workflowId, nameof(workflowId));
        if (queueName is not null)
        {
            SetWorkflowID.ValidateText(queueName, "A queue name", nameof(queueName));
        }

        var result = await _database.ResumeWorkflowAsync(workflowId, string.IsNullOrEmpty(queueName) ? InternalQueue : queueName, Now(), cancellationToken).ConfigureAwait(false);
        return result.Exists ? result.PreviousStatus : throw new NonExistentWorkflowException(workflowId);
    }

    /// <summary>Starts a copy of the workflow that replays its operations before <paramref name="startStep"/> and runs the rest.
    /// Returns the new workflow's ID: <paramref name="options"/>' ID, else <paramref name="assignedId"/> (a SetWorkflowID scope), else a new UUID.</summary>
    public async Task<string> ForkWorkflowAsync(string workflowId, int startStep, WorkflowOptions? options, string? assignedId, CancellationToken cancellationToken)
    {
        SetWorkflowID.Validate(workflowId, nameof(workflowId));
        if (startStep < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(startStep), startStep,
                "The start step of a fork is a function id (0-based: 0 re-runs the whole workflow, n replays operations 0..n-1); it must be 0 or more.");
        }

        if (options is { DeduplicationId: not null } or { Priority: not null } or { Delay: not null })
        {
            throw new ArgumentException(
                "A fork takes WorkflowOptions.WorkflowId, Queue, ApplicationVersion, Timeout and PartitionKey; DeduplicationId, Priority and Delay are for enqueuing. Nothing was forked.",
                nameof(options));
        }

        if (options?.Timeout is { } timeout && timeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), timeout, "WorkflowOptions.Timeout must be positive (null for none). Nothing was forked.");
        }

        var forkId = options?.WorkflowId ?? assignedId ?? Guid.CreateVersion7().ToString();
        SetWorkflowID.Validate(forkId, "options.WorkflowId");
        if (options?.Queue is { } queue)
        {
            SetWorkflowID.ValidateText(queue, "A queue name", nameof(options));
        }

        var fork = new WorkflowFork(
            workflowId,
            forkId,
            startStep,
            string.IsNullOrEmpty(options?.Queue) ? InternalQueue : options.Queue,
            options?.ApplicationVersion,
            options?.PartitionKey,
            options?.Timeout is { } t ? (long)Math.Ceiling(t.TotalMilliseconds) : null,
            _applicationName,
            Now());
        var result = await _database.ForkWorkflowAsync(fork, cancellationToken).ConfigureAwait(false);
        if (!result.OriginalExists)
        {
            throw new NonExistentWorkflowException(workflowId);
        }

        if (!result.Inserted)
        {
            throw new WorkflowConflictIdException(forkId,
                $"Cannot fork workflow {workflowId} into {forkId}: a workflow with ID {forkId} already exists. Fork into a new ID (WorkflowOptions.WorkflowId, or none for a new UUID). Nothing was forked.");
        }

        return forkId;
    }

    /// <summary>Deletes the workflow (and with <paramref name="deleteChildren"/> its descendants) with every row that belongs to it.
    /// Returns the IDs it deleted.</summary>
    public async Task<IReadOnlyList<string>> DeleteWorkflowAsync(string workflowId, bool deleteChildren, CancellationToken cancellationToken)
    {
        SetWorkflowID.Validate(workflowId, nameof(workflowId));
        var ids = new List<string> { workflowId };
        if (deleteChildren)
        {
            var visited = new HashSet<string>(StringComparer.Ordinal) { workflowId };
            IReadOnlyList<string> frontier = [workflowId];
            while (frontier.Count > 0)
            {
                var children = (await _database.GetChildWorkflowIdsAsync(frontier, cancellationToken).ConfigureAwait(false)).Where(visited.Add).ToList();
                ids.AddRange(children);
                frontier = children;
            }
        }

        var existing = await _database.GetExistingWorkflowIdsAsync(ids, cancellationToken).ConfigureAwait(false);
        if (existing.Count == 0)
        {
            throw new NonExistentWorkflowException(workflowId);
        }

        // The application database's rows first: if this stops half-way, what is left are workflows without them, never their rows
        // without the workflows (a new workflow reusing an ID would take them for its own transactions' outputs).
        if (_purgeApplicationRows is { } purge)
        {
            await purge(existing, cancellationToken).ConfigureAwait(false);
        }

        await _database.DeleteWorkflowsAsync(existing, cancellationToken).ConfigureAwait(false);
        return existing;
    }

    /// <summary>Deletes finished workflows (SUCCESS, ERROR, CANCELLED, MAX_RECOVERY_ATTEMPTS_EXCEEDED) created more than
    /// <paramref name="olderThan"/> ago and/or older than the newest <paramref name="keepRows"/> workflows, oldest first, in
    /// transactions of <paramref name="batchSize"/>. Returns how many it deleted.</summary>
    public async Task<long> GarbageCollectAsync(TimeSpan? olderThan, int? keepRows, int batchSize, CancellationToken cancellationToken)
    {
        if (olderThan is null && keepRows is null)
        {
            throw new ArgumentException("Say what to delete: olderThan (finished workflows created longer ago than this), keepRows (keep the newest N), or both.", nameof(olderThan));
        }

        if (olderThan < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(olderThan), olderThan, "olderThan must be zero or more.");
        }

        if (keepRows < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(keepRows), keepRows, "keepRows must be zero or more.");
        }

        if (batchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch size must be 1 or more.");
        }

        long? cutoff = olderThan is { } age ? (_time.GetUtcNow() - age).ToUnixTimeMilliseconds() : null;
        if (keepRows is { } keep)
        {
            // As DBOS: everything created before the keep-th newest workflow goes (the more recent of the two cutoffs wins).
            var newest = keep == 0 ? long.MaxValue : await _database.GetCreatedAtOfNewestAsync(keep - 1, cancellationToken).ConfigureAwait(false);
            if (newest is null)
            {
                return 0; // fewer workflows than keepRows
            }

            cutoff = cutoff is { } c ? Math.Max(c, newest.Value) : newest;
        }

        long deleted = 0;
        if (_purgeApplicationRows is not { } purge)
        {
            while (true)
            {
                var batch = await _database.GarbageCollectBatchAsync(cutoff!.Value, batchSize, cancellationToken).ConfigureAwait(false);
                deleted += batch;
                if (batch < batchSize)
                {
                    return deleted;
                }
            }
        }

        // With an application database: each batch's transaction_outputs go first (as in DeleteWorkflowAsync), then those of the
        // batch still finished. Purging a finished workflow's transaction outputs is safe even if it is resumed in between: each
        // transaction it completed is checkpointed in operation_outputs, which replay reads first.
        while (true)
        {
            var victims = await _database.GetGarbageAsync(cutoff!.Value, batchSize, cancellationToken).ConfigureAwait(false);
            if (victims.Count > 0)
            {
                await purge(victims, cancellationToken).ConfigureAwait(false);
                var batch = await _database.DeleteFinishedWorkflowsAsync(victims, cancellationToken).ConfigureAwait(false);
                deleted += batch;
                if (batch == 0)
                {
                    return deleted; // all of them held or resumed meanwhile: what is left is for the next collection
                }
            }

            if (victims.Count < batchSize)
            {
                return deleted;
            }
        }
    }

    internal WorkflowStatus ToStatus(WorkflowListRow row) => new(
        row.WorkflowId,
        row.Status,
        row.Name,
        row.ClassName,
        row.ExecutorId,
        row.ApplicationVersion,
        row.ApplicationName,
        DateTimeOffset.FromUnixTimeMilliseconds(row.CreatedAt),
        DateTimeOffset.FromUnixTimeMilliseconds(row.UpdatedAt),
        FromMs(row.CompletedAt),
        row.RecoveryAttempts,
        row.QueueName,
        row.ParentWorkflowId,
        EmptyAsNull(row.AuthenticatedUser),
        EmptyAsNull(row.AssumedRole),
        row.Serialization)
    {
        ConfigName = row.ConfigName,
        AuthenticatedRoles = ContextJson.ReadStringArray(row.AuthenticatedRoles) ?? [],
        Timeout = row.TimeoutMs is { } timeout ? TimeSpan.FromMilliseconds(timeout) : null,
        Deadline = FromMs(row.DeadlineEpochMs),
        DequeuedAt = FromMs(row.StartedAt),
        DelayUntil = FromMs(row.DelayUntil),
        DeduplicationId = row.DeduplicationId,
        Priority = row.Priority,
        PartitionKey = row.PartitionKey,
        ForkedFrom = row.ForkedFrom,
        WasForkedFrom = row.WasForkedFrom,
        SerializedInput = row.Inputs,
        SerializedOutput = row.Output,
        SerializedError = row.Error,
        Payloads = Payloads,
    };

    private static DateTimeOffset? FromMs(long? epochMs) => epochMs is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;

    private static string? EmptyAsNull(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
