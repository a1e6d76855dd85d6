using System;
using System.Threading.Tasks;

namespace Dbos.Internal;

/// <summary>Where a test environment (the Dbos.Testing package) watches and steers executions: steps about to run or
/// checkpoint, waits on time, background timers, callers waiting for an outcome, and operations past an execution's recorded history.
/// Set through <see cref="DbosOptions.Hooks"/>; null in production, so each call site costs one null check.</summary>
internal abstract class ExecutionHooks
{
    /// <summary>A step's body is about to run (not replayed from its checkpoint). The returned task may never end (a crash).</summary>
    public virtual ValueTask BeforeStepAsync(WorkflowContext workflow, int functionId, string stepName) => default;

    /// <summary>A step's body has run; its checkpoint is not written yet.</summary>
    public virtual ValueTask BeforeCheckpointAsync(WorkflowContext workflow, int functionId, string stepName) => default;

    /// <summary>A step's checkpoint is committed.</summary>
    public virtual ValueTask AfterStepAsync(WorkflowContext workflow, int functionId, string stepName) => default;

    /// <summary>An execution waits until <paramref name="until"/> (null: for something other than time, e.g. another
    /// workflow) or for a wake-up; the wait ends when the result is disposed.</summary>
    public virtual IDisposable? Waiting(WorkflowContext workflow, DateTimeOffset? until) => null;

    /// <summary>A background timer of the runtime, outside any execution, is set for <paramref name="due"/>: a schedule's next
    /// tick, or the release of a queue's earliest delayed workflow. It is over when the result is disposed.</summary>
    public virtual IDisposable? TimerSet(DateTimeOffset due) => null;

    /// <summary>A caller outside any workflow waits for a workflow's outcome, until the result is disposed.</summary>
    public virtual IDisposable? AwaitingOutcome(string workflowId) => null;

    /// <summary>A workflow's body returned (its outcome is not recorded yet).</summary>
    public virtual void BodyReturned(WorkflowContext workflow)
    {
    }

    /// <summary>An operation at a function id the execution's recorded history does not have; may throw to stop there.</summary>
    public virtual void Unrecorded(WorkflowContext workflow, int functionId, string name)
    {
    }
}
