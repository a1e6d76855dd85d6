using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Dbos.Internal;
using Dbos.SystemDatabase;
using Microsoft.Extensions.Logging;

namespace Dbos;

/// <summary>Operating workflows: list, inspect, cancel, resume, fork, delete and clean up. The rows are written by
/// <see cref="WorkflowManagement"/>; this runtime also stops its own executions of the workflows it cancels, resumes or deletes
/// at once, enforces timeouts, and notices such changes made by other processes while its executions wait.</summary>
public sealed partial class DbosRuntime
{
    /// <summary>How often the runtime looks for timed-out workflows and, while executions wait, for changes other processes
    /// made to them (cancelled, resumed, taken over).</summary>
    internal static TimeSpan SupervisionInterval { get; set; } = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, WorkflowContext> _running = new(StringComparer.Ordinal);
    private WorkflowManagement? _management;

    internal WorkflowManagement Management => _management ??= new WorkflowManagement(Database, SerializerFor, Options.TimeProvider, Options.ApplicationName,
        Options.ApplicationDatabase is null ? null : (ids, token) => Transactions.ApplicationDatabase.For(this, "purge").PurgeOutputsAsync(ids, token));

    private long NowMs() => Options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>The workflows matching <paramref name="filter"/> (all when null), ordered by creation time. Use
    /// <see cref="WorkflowFilter.Limit"/> and <see cref="WorkflowFilter.Offset"/> to page. Inside a workflow the list is
    /// recorded, so a re-execution sees the same rows.</summary>
    public async Task<IReadOnlyList<WorkflowStatus>> ListWorkflowsAsync(WorkflowFilter? filter = null, CancellationToken cancellationToken = default)
    {
        var list = await Durably<IReadOnlyList<WorkflowStatus>>("DBOS.listWorkflows",
            () => Management.ListWorkflowsAsync(filter ?? new WorkflowFilter(), false, cancellationToken)).ConfigureAwait(false);
        return Attach(list);
    }

    /// <summary>The workflows on a queue that are ENQUEUED, PENDING or DELAYED, narrowed by <paramref name="filter"/>; their
    /// outputs are not loaded.</summary>
    public async Task<IReadOnlyList<WorkflowStatus>> ListQueuedWorkflowsAsync(WorkflowFilter? filter = null, CancellationToken cancellationToken = default)
    {
        var queued = WorkflowManagement.QueuedFilter(filter);
        var list = await Durably<IReadOnlyList<WorkflowStatus>>("DBOS.listQueuedWorkflows",
            () => Management.ListWorkflowsAsync(queued, true, cancellationToken)).ConfigureAwait(false);
        return Attach(list);
    }

    /// <summary>The recorded operations of a workflow (steps, transactions, messages, sleeps, child workflows) in order.</summary>
    /// <exception cref="NonExistentWorkflowException">No workflow has this ID.</exception>
    public async Task<IReadOnlyList<WorkflowStep>> ListWorkflowStepsAsync(string workflowId, CancellationToken cancellationToken = default)
    {
        var steps = await Durably<IReadOnlyList<WorkflowStep>>("DBOS.listWorkflowSteps",
            () => Management.ListWorkflowStepsAsync(workflowId, cancellationToken)).ConfigureAwait(false);
        return steps.Select(s => s.Payloads is null ? s with { Payloads = Management.Payloads, WorkflowId = workflowId } : s).ToList();
    }

    /// <summary>
    /// Cancels a workflow that has not finished: it becomes CANCELLED and leaves its queue. Wherever it runs it stops at its
    /// next durable operation (here at once: a waiting Recv, Sleep or GetEvent ends, a step's CancellationToken fires), and
    /// awaiting it throws <see cref="AwaitedWorkflowCancelledException"/>. A finished (SUCCESS or ERROR) workflow is left as it
    /// is. With <paramref name="cancelChildren"/> its child workflows are cancelled too, level by level. Resume it to run it again.
    /// </summary>
    /// <exception cref="NonExistentWorkflowException">No workflow has this ID.</exception>
    public async Task CancelWorkflowAsync(string workflowId, bool cancelChildren = false, CancellationToken cancellationToken = default)
    {
        var cancelled = await Durably<IReadOnlyList<string>>("DBOS.cancelWorkflow",
            () => Management.CancelWorkflowAsync(workflowId, cancelChildren, cancellationToken)).ConfigureAwait(false);
        foreach (var id in cancelled)
        {
            StopLocal(id, WorkflowStatuses.Cancelled);
        }
    }

    /// <summary>
    /// Runs a workflow that has not finished (CANCELLED, MAX_RECOVERY_ATTEMPTS_EXCEEDED, or stuck) again from its checkpoints:
    /// it is ENQUEUED on <paramref name="queueName"/> (default the internal queue every DBOS executor serves) with its recovery
    /// attempts reset and its deadline cleared (a timeout starts again when it is dequeued). A finished workflow is left as it is.
    /// Returns its handle.
    /// </summary>
    /// <exception cref="NonExistentWorkflowException">No workflow has this ID.</exception>
    public async Task<WorkflowHandle<TResult>> ResumeWorkflowAsync<TResult>(string workflowId, string? queueName = null, CancellationToken cancellationToken = default)
        => (await ResumeCoreAsync(workflowId, queueName, cancellationToken).ConfigureAwait(false)).As<TResult>();

    /// <inheritdoc cref="ResumeWorkflowAsync{TResult}(string, string?, CancellationToken)"/>
#pragma warning disable RS0026 // The same optional parameters on the typed and untyped forms, as RetrieveWorkflow and StartWorkflow have.
    public Task<WorkflowHandle> ResumeWorkflowAsync(string workflowId, string? queueName = null, CancellationToken cancellationToken = default)
#pragma warning restore RS0026
        => ResumeCoreAsync(workflowId, queueName, cancellationToken);

    private async Task<WorkflowHandle> ResumeCoreAsync(string workflowId, string? queueName, CancellationToken cancellationToken)
    {
        var previous = await Durably<string?>("DBOS.resumeWorkflow", () => Management.ResumeWorkflowAsync(workflowId, queueName, cancellationToken)).ConfigureAwait(false);
        if (previous is not (WorkflowStatuses.Success or WorkflowStatuses.Error))
        {
            StopLocal(workflowId, WorkflowStatuses.Enqueued); // an execution still running here gives way to the resumed one
        }

        return new WorkflowHandle(this, workflowId);
    }

    /// <summary>
    /// Starts a new workflow that re-runs <paramref name="workflowId"/> from <paramref name="startStep"/>: the operations before
    /// it (function ids 0 to startStep-1) are copied and replay their recorded results, the rest run anew. The fork is ENQUEUED
    /// (on <see cref="WorkflowOptions.Queue"/>, default the internal queue) with the original's inputs and user, and
    /// <c>forked_from</c> naming the original. Its ID is <see cref="WorkflowOptions.WorkflowId"/>, a <see cref="SetWorkflowID"/>
    /// scope's, or a new UUID. Options also take the application version to run it, a timeout and a partition key.
    /// </summary>
    /// <exception cref="NonExistentWorkflowException">No workflow has this ID.</exception>
    /// <exception cref="WorkflowConflictIdException">A workflow with the fork's ID exists.</exception>
    public async Task<WorkflowHandle<TResult>> ForkWorkflowAsync<TResult>(string workflowId, int startStep, WorkflowOptions? options = null, CancellationToken cancellationToken = default)
        => (await ForkCoreAsync(workflowId, startStep, options, cancellationToken).ConfigureAwait(false)).As<TResult>();

    /// <inheritdoc cref="ForkWorkflowAsync{TResult}(string, int, WorkflowOptions?, CancellationToken)"/>
#pragma warning disable RS0026 // See ResumeWorkflowAsync.
    public Task<WorkflowHandle> ForkWorkflowAsync(string workflowId, int startStep, WorkflowOptions? options = null, CancellationToken cancellationToken = default)
#pragma warning restore RS0026
        => ForkCoreAsync(workflowId, startStep, options, cancellationToken);

    private async Task<WorkflowHandle> ForkCoreAsync(string workflowId, int startStep, WorkflowOptions? options, CancellationToken cancellationToken)
    {
        var assigned = DbosAmbient.Current?.NextWorkflowId is { } assignment && options?.WorkflowId is null && assignment.TryTake() ? assignment.WorkflowId : null;
        var forkId = await Durably("DBOS.forkWorkflow", () => Management.ForkWorkflowAsync(workflowId, startStep, options, assigned, cancellationToken)).ConfigureAwait(false);
        return new WorkflowHandle(this, forkId);
    }

    /// <summary>Deletes a workflow and every row that belongs to it (inputs, outputs, steps, messages, events, streams); with
    /// <paramref name="deleteChildren"/> its child workflows too. An execution of it still running stops at its next durable
    /// operation. To keep the system database small, prefer <see cref="GarbageCollectAsync"/> or <see cref="DbosOptions.Retention"/>.</summary>
    /// <exception cref="NonExistentWorkflowException">No workflow has this ID.</exception>
    public async Task DeleteWorkflowAsync(string workflowId, bool deleteChildren = false, CancellationToken cancellationToken = default)
    {
        var deleted = await Durably<IReadOnlyList<string>>("DBOS.deleteWorkflow",
            () => Management.DeleteWorkflowAsync(workflowId, deleteChildren, cancellationToken)).ConfigureAwait(false);
        foreach (var id in deleted)
        {
            StopLocal(id, null);
        }
    }

    /// <summary>
    /// Deletes finished workflows (SUCCESS, ERROR, CANCELLED, MAX_RECOVERY_ATTEMPTS_EXCEEDED) created more than
    /// <paramref name="olderThan"/> ago and/or all but the newest <paramref name="keepRows"/> workflows, with all their rows,
    /// oldest first, in transactions of 1000 workflows (each holds its locks briefly; rows being changed are skipped).
    /// ENQUEUED, PENDING and DELAYED workflows are never deleted. Returns how many workflows were deleted.
    /// </summary>
    public Task<long> GarbageCollectAsync(TimeSpan? olderThan = null, int? keepRows = null, CancellationToken cancellationToken = default)
        => Management.GarbageCollectAsync(olderThan, keepRows, WorkflowManagement.DefaultBatchSize, cancellationToken);

    /// <summary>Inside a workflow's body, runs the call as a recorded operation named like DBOS's (a re-execution gets the
    /// recorded result); anywhere else, a plain call.</summary>
    private static Task<T> Durably<T>(string name, Func<Task<T>> call) => StepExecutor.RunAsync(new StepDescriptor(name), call);

    private IReadOnlyList<WorkflowStatus> Attach(IReadOnlyList<WorkflowStatus> statuses)
        => statuses.All(s => s.Payloads is not null) ? statuses : statuses.Select(s => s with { Payloads = Management.Payloads }).ToList();

    /// <summary>Completes when this process's execution of the workflow ends; null when none runs.</summary>
    internal Task? ExecutionEnded(string workflowId) => _active.TryGetValue(workflowId, out var active) ? active.Completion.Task : null;

    /// <summary>Signals this process's execution of the workflow, if any, that the workflow is now <paramref name="status"/>.</summary>
    private void StopLocal(string workflowId, string? status)
    {
        if (_running.TryGetValue(workflowId, out var context))
        {
            context.Stop(status);
        }
    }

    // -----------------------------------------------------------------------------------------------------------------
    // Supervision of running executions: timeouts, and changes other processes make.
    // -----------------------------------------------------------------------------------------------------------------

    /// <summary>Registers a running execution until disposed, and arms its deadline timer.</summary>
    internal IDisposable Supervise(WorkflowContext context)
    {
        _running[context.WorkflowId] = context;
        ITimer? timer = null;
        if (context.DeadlineEpochMs is { } deadline)
        {
            var due = TimeSpan.FromMilliseconds(Math.Max(0, deadline - NowMs()));
            timer = Options.TimeProvider.CreateTimer(_ => _ = TimeOutAsync(context, deadline), null, due, Timeout.InfiniteTimeSpan);
        }

        return new Supervision(this, context, timer);
    }

    /// <summary>The deadline timer fired: cancel the workflow (as a cancel call would), if it is still active with this deadline.</summary>
    private async Task TimeOutAsync(WorkflowContext context, long deadline)
    {
        try
        {
            // A timer may fire a little early; the deadline has come all the same.
            var now = Math.Max(NowMs(), deadline);
            if (await DbRetry.RunAsync(this, "cancel timed-out workflow", token => Database.CancelTimedOutWorkflowAsync(context.WorkflowId, now, token)).ConfigureAwait(false))
            {
                Logger.LogInformation("Workflow {WorkflowId} ({Name}) timed out (its deadline was {Deadline:o}) and was cancelled.",
                    context.WorkflowId, context.Workflow.QualifiedName, DateTimeOffset.FromUnixTimeMilliseconds(deadline));
                context.Stop(WorkflowStatuses.Cancelled);
            }
        }
        catch (Exception e) when (IsStopping)
        {
            Logger.LogDebug(e, "Timing out workflow {WorkflowId} was interrupted by shutdown; it is cancelled at recovery.", context.WorkflowId);
        }
        catch (Exception e)
        {
            Logger.LogWarning(e, "Could not cancel timed-out workflow {WorkflowId}; the timeout sweep tries again.", context.WorkflowId);
        }
    }

    /// <summary>At recovery: a workflow past its deadline is cancelled instead of resumed. Returns whether it was past it.</summary>
    internal async Task<bool> CancelIfPastDeadlineAsync(string workflowId, long? deadline)
    {
        var now = NowMs();
        if (deadline is not { } due || due > now)
        {
            return false;
        }

        await DbRetry.RunAsync(this, "cancel timed-out workflow", token => Database.CancelTimedOutWorkflowAsync(workflowId, now, token)).ConfigureAwait(false);
        Logger.LogInformation("Workflow {WorkflowId} passed its deadline ({Deadline:o}) while no process ran it: it was cancelled, not recovered.",
            workflowId, DateTimeOffset.FromUnixTimeMilliseconds(due));
        return true;
    }

    /// <summary>Waits for an execution of this process to end, or to be stopped (then the caller reads the outcome from the
    /// database). Null when it was stopped, or not supervised yet and still running after a short wait.</summary>
    internal async Task<WorkflowOutcomeInMemory?> WaitForExecutionAsync(string workflowId, ActiveWorkflow active, CancellationToken cancellationToken)
    {
        var completion = active.Completion.Task;
        if (completion.IsCompleted)
        {
            return completion.Result;
        }

        if (!_running.TryGetValue(workflowId, out var context))
        {
            // Claimed but not started yet: look again shortly, so a cancel in that window cannot leave the caller waiting.
            await Task.WhenAny(completion, Task.Delay(TimeSpan.FromMilliseconds(100), Options.TimeProvider, cancellationToken)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            return completion.IsCompleted ? completion.Result : null;
        }

        using var watch = context.Watch();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, context.StopToken);
        try
        {
            return await completion.WaitAsync(stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>Starts the supervision loop (timeouts, changes by other processes) and, when configured, the retention sweep.</summary>
    private void StartSupervision()
    {
        _ = Task.Run(() => SuperviseLoopAsync(_stopping.Token), CancellationToken.None);
        if (Options.Retention is { } retention)
        {
            _ = Task.Run(() => RetentionLoopAsync(retention, _stopping.Token), CancellationToken.None);
        }
    }

    private const int TimeoutSweepBatch = 1000;
    private const int WatchBatch = 500;
    private long _watchOffset;

    private Task SuperviseLoopAsync(CancellationToken stopping) => RunEveryAsync(() => SupervisionInterval, SuperviseOnceAsync, runFirst: false,
        (e, next) => Logger.LogDebug(e, "Supervising running workflows failed; trying again in {Interval}.", next), stopping);

    /// <summary>One pass: cancels the workflows of this application past their deadline (whoever runs them, or none), then reads
    /// the status of the executions that wait, and stops those another process cancelled, resumed, deleted or took over.</summary>
    internal async Task SuperviseOnceAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<string> timedOut;
        do
        {
            timedOut = await Database.CancelTimedOutWorkflowsAsync(NowMs(), TimeoutSweepBatch, cancellationToken).ConfigureAwait(false);
            foreach (var id in timedOut)
            {
                Logger.LogInformation("Workflow {WorkflowId} timed out and was cancelled.", id);
                StopLocal(id, WorkflowStatuses.Cancelled);
            }
        }
        while (timedOut.Count == TimeoutSweepBatch);

        // At most one batch per pass, taken in turn: with many waiting executions each is checked less often, and the cost
        // per pass stays one query.
        var watched = _running.Values.Where(c => c.IsWatched && !c.IsStopped).ToList();
        if (watched.Count > WatchBatch)
        {
            var start = (int)(Interlocked.Add(ref _watchOffset, WatchBatch) % watched.Count);
            watched = watched.Skip(start).Concat(watched.Take(start)).Take(WatchBatch).ToList();
        }

        foreach (var chunk in watched.Chunk(WatchBatch))
        {
            var states = (await Database.GetWorkflowStatesAsync(chunk.Select(c => c.WorkflowId).ToList(), cancellationToken).ConfigureAwait(false))
                .ToDictionary(s => s.WorkflowId, StringComparer.Ordinal);
            foreach (var context in chunk)
            {
                if (!states.TryGetValue(context.WorkflowId, out var state))
                {
                    context.Stop(null);
                }
                else if (state.Status != WorkflowStatuses.Pending || !string.Equals(state.OwnerXid, context.OwnerXid, StringComparison.Ordinal))
                {
                    context.Stop(state.Status);
                }
            }
        }
    }

    private Task RetentionLoopAsync(RetentionOptions retention, CancellationToken stopping) => RunEveryAsync(() => retention.Interval, async token =>
        {
            var deleted = await Management.GarbageCollectAsync(retention.MaxAge, retention.KeepRows, retention.BatchSize, token).ConfigureAwait(false);
            if (deleted > 0)
            {
                Logger.LogInformation("Retention: deleted {Count} finished workflows.", deleted);
            }
        },
        runFirst: true, (e, next) => Logger.LogWarning(e, "Retention sweep failed; trying again in {Interval}.", next), stopping);

    private sealed class Supervision(DbosRuntime runtime, WorkflowContext context, ITimer? timer) : IDisposable
    {
        public void Dispose()
        {
            timer?.Dispose();
            runtime._running.TryRemove(new KeyValuePair<string, WorkflowContext>(context.WorkflowId, context));
        }
    }
}
