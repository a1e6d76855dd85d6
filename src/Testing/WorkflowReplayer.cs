using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Dbos.Internal;
using Dbos.SystemDatabase;

namespace Dbos.Testing;

/// <summary>
/// Answers "is this change safe for in-flight workflows?": replays a recorded workflow (<see cref="WorkflowHistory"/>) against
/// the code of this process, on a scratch database, and reports the first operation whose name differs from the recorded
/// one, the non-determinism error recovery would hit after the deploy. Recorded steps return their recorded outputs; the
/// replay stops at the end of the history, so no step of the new code runs for real.
/// </summary>
public static class WorkflowReplayer
{
    /// <summary>Replays <paramref name="history"/>; <paramref name="configure"/> sets up the scratch environment (the services
    /// the workflow class needs, a serializer, ...).</summary>
    public static async Task<ReplayResult> ReplayAsync(WorkflowHistory history, Action<DbosTestOptions>? configure = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(history);
        var workflow = WorkflowRegistry.Global.Find(history.ClassName, history.Name);
        if (workflow is null)
        {
            return ReplayResult.Different(history.WorkflowId, null, history.Name, null, 0,
                $"Workflow {history.WorkflowId} ran [Workflow] {history.Name} (class {history.ClassName ?? "not recorded"}), which this code does not have: " +
                "it was renamed or removed, so recovery cannot resume it. Keep the old name with [Workflow(Name = \"...\")] (and [WorkflowClass] for a class), or drain such workflows before the deploy.");
        }

        await using var environment = await DbosTestEnvironment.StartCoreAsync(configure, replay: true, cancellationToken).ConfigureAwait(false);
        var runtime = environment.Runtime;
        var owner = "replay:" + Guid.NewGuid().ToString("N"); // not a runtime's token: recovery takes the workflow over
        var now = environment.Time.UtcNow.ToUnixTimeMilliseconds();
        var row = new WorkflowStatusInsert(history.WorkflowId, WorkflowStatuses.Pending, workflow.Name, workflow.ClassName, null,
            history.SerializedInput ?? "{\"positionalArgs\":[]}", history.Serialization ?? runtime.Serializer.Name, runtime.ExecutorId, runtime.ApplicationVersion,
            null, owner, now);
        await runtime.Database.InsertWorkflowStatusAsync(row, cancellationToken).ConfigureAwait(false);
        foreach (var step in history.Steps)
        {
            var operation = new OperationRecord(step.FunctionId, step.Name, step.SerializedOutput, step.SerializedError, step.Serialization, step.ChildWorkflowId,
                step.StartedAt?.ToUnixTimeMilliseconds(), step.CompletedAt?.ToUnixTimeMilliseconds());
            await runtime.Database.RecordOperationAsync(history.WorkflowId, owner, operation, cancellationToken).ConfigureAwait(false);
        }

        var ended = new ReplayEnd();
        environment.Hooks.Returned = ended.Record;
        var resumed = await runtime.RecoverPendingWorkflowsAsync(cancellationToken).ConfigureAwait(false);
        if (!resumed.Contains(history.WorkflowId))
        {
            throw new InvalidOperationException($"Workflow {history.WorkflowId} could not be resumed for the replay; see the runtime's log.");
        }

        var recorded = history.Steps.Count;
        try
        {
            // Through a handle: an awaited outcome lets the clock skip the recorded sleeps still to come.
            var handle = await runtime.RetrieveWorkflowAsync<object?>(history.WorkflowId, cancellationToken: cancellationToken).ConfigureAwait(false);
            await handle.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (EndOfHistoryException e) when (e.WorkflowId != history.WorkflowId)
        {
            // A child workflow called in the body runs in the scratch database with no history of its own: the replay ends there.
            var childAt = history.Steps.FirstOrDefault(s => s.ChildWorkflowId == e.WorkflowId)?.FunctionId ?? recorded;
            return ReplayResult.Same(history.WorkflowId, history.Steps.Count(s => s.FunctionId <= childAt),
                $"Workflow {history.WorkflowId}: the new code follows the recorded operations up to child workflow {e.WorkflowId}, where the replay stops (child workflows are not replayed; replay their histories on their own).");
        }
        catch (EndOfHistoryException)
        {
            return ReplayResult.Same(history.WorkflowId, recorded);
        }
        catch (UnexpectedStepException e)
        {
            return ReplayResult.Different(history.WorkflowId, e.StepId, e.RecordedName, e.ExpectedName, e.StepId,
                $"Workflow {history.WorkflowId} recorded {e.RecordedName} at function id {e.StepId}, where the new code calls {e.ExpectedName}: recovering it after " +
                "this change would fail with UnexpectedStepException. Keep the old order for in-flight workflows with DBOS.PatchAsync, or let them finish before the deploy.", e);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            if (history.Status == WorkflowStatuses.Error && ended.Count is null && history.Steps.Count > 0)
            {
                return ReplayResult.Same(history.WorkflowId, recorded); // it failed as it did when recorded
            }

            return ReplayResult.Different(history.WorkflowId, null, null, null, recorded,
                $"Replaying workflow {history.WorkflowId} with the new code failed: {e.GetType().Name}: {e.Message}", e);
        }

        // The body returned within the history: every operation the history has beyond it was not called by the new code.
        var used = ended.Count ?? recorded;
        if (history.Steps.FirstOrDefault(s => s.FunctionId >= used) is { } missing)
        {
            return ReplayResult.Different(history.WorkflowId, missing.FunctionId, missing.Name, null, used,
                $"Workflow {history.WorkflowId} recorded {missing.Name} at function id {missing.FunctionId}, but the new code returns after {used} operations " +
                "without calling it: recovering it after this change would skip recorded work.");
        }

        return ReplayResult.Same(history.WorkflowId, recorded);
    }

    /// <summary>Replays <paramref name="history"/> and throws <see cref="WorkflowReplayException"/> (naming the first differing
    /// operation) when the new code does not follow it.</summary>
    public static async Task AssertReplaysAsync(WorkflowHistory history, Action<DbosTestOptions>? configure = null, CancellationToken cancellationToken = default)
        => (await ReplayAsync(history, configure, cancellationToken).ConfigureAwait(false)).ThrowIfDifferent();

    private sealed class ReplayEnd
    {
        public int? Count { get; private set; }

        public void Record(WorkflowContext workflow) => Count = workflow.OperationCount;
    }
}

/// <summary>What a replay found: whether the new code follows the recorded history and, if not, where it first differs.</summary>
public sealed class ReplayResult
{
    private ReplayResult(string workflowId, bool isSame, int? functionId, string? recordedName, string? newName, int operationsReplayed, string message, Exception? error)
    {
        WorkflowId = workflowId;
        IsSame = isSame;
        FunctionId = functionId;
        RecordedName = recordedName;
        NewName = newName;
        OperationsReplayed = operationsReplayed;
        Message = message;
        Error = error;
    }

    /// <summary>The replayed workflow.</summary>
    public string WorkflowId { get; }

    /// <summary>True when the new code calls every recorded operation, by the same name, in the same order.</summary>
    public bool IsSame { get; }

    /// <summary>The function id of the first difference, or null.</summary>
    public int? FunctionId { get; }

    /// <summary>The recorded name there, or null.</summary>
    public string? RecordedName { get; }

    /// <summary>What the new code calls there (null when it calls nothing there).</summary>
    public string? NewName { get; }

    /// <summary>How many recorded operations matched before the replay ended.</summary>
    public int OperationsReplayed { get; }

    /// <summary>What the replay found, in words.</summary>
    public string Message { get; }

    /// <summary>The exception the replay ended with, when it found a difference through one.</summary>
    public Exception? Error { get; }

    /// <summary>Throws <see cref="WorkflowReplayException"/> when <see cref="IsSame"/> is false.</summary>
    public void ThrowIfDifferent()
    {
        if (!IsSame)
        {
            throw new WorkflowReplayException(this);
        }
    }

    public override string ToString() => Message;

    internal static ReplayResult Same(string workflowId, int replayed, string? message = null)
        => new(workflowId, true, null, null, null, replayed, message ?? $"Workflow {workflowId}: the new code follows all {replayed} recorded operations.", null);

    internal static ReplayResult Different(string workflowId, int? functionId, string? recordedName, string? newName, int replayed, string message, Exception? error = null)
        => new(workflowId, false, functionId, recordedName, newName, replayed, message, error);
}

/// <summary>The new code does not follow a recorded workflow's history (see <see cref="ReplayResult"/>).</summary>
public sealed class WorkflowReplayException : Exception
{
    public WorkflowReplayException()
        : this("The new code does not follow the recorded workflow.")
    {
    }

    public WorkflowReplayException(string message)
        : base(message)
    {
    }

    public WorkflowReplayException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal WorkflowReplayException(ReplayResult result)
        : base(result.Message, result.Error)
        => Result = result;

    /// <summary>The replay's findings, when thrown by <see cref="ReplayResult.ThrowIfDifferent"/>.</summary>
    public ReplayResult? Result { get; }
}
