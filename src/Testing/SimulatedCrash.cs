using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace Dbos.Testing;

/// <summary>A process stopped by <see cref="DbosTestEnvironment.RunUntilCrashAsync{THandle}"/>: where, and what ran before.</summary>
public sealed class SimulatedCrash
{
    private readonly DbosTestEnvironment _environment;
    private readonly int _process;

    internal SimulatedCrash(DbosTestEnvironment environment, CrashPoint point, string workflowId, string crashedWorkflowId, int functionId, string stepName, int process, IReadOnlyList<StepRun> before)
    {
        _environment = environment;
        Point = point;
        WorkflowId = workflowId;
        CrashedWorkflowId = crashedWorkflowId;
        FunctionId = functionId;
        StepName = stepName;
        _process = process;
        StepsRunBeforeCrash = before;
    }

    /// <summary>The point that was reached.</summary>
    public CrashPoint Point { get; }

    /// <summary>The workflow the test started.</summary>
    public string WorkflowId { get; }

    /// <summary>The workflow that reached the point: <see cref="WorkflowId"/>, or another one (e.g. a child workflow).</summary>
    public string CrashedWorkflowId { get; }

    /// <summary>The function id of the step where the process stopped (in <see cref="CrashedWorkflowId"/>).</summary>
    public int FunctionId { get; }

    /// <summary>The name of the step where the process stopped.</summary>
    public string StepName { get; }

    /// <summary>The step bodies of <see cref="WorkflowId"/> and of its child workflows (with IDs derived from it, as by default)
    /// that ran before the crash, in order.</summary>
    public IReadOnlyList<StepRun> StepsRunBeforeCrash { get; }

    /// <summary>Starts a new runtime on the same database, which recovers the workflow, and waits for its outcome (throwing the
    /// workflow's error if it fails).</summary>
    public async Task<RecoveredWorkflow> RecoverAsync(CancellationToken cancellationToken = default)
    {
        await _environment.RestartAfterCrashAsync(cancellationToken).ConfigureAwait(false);
        var handle = await _environment.Runtime.RetrieveWorkflowAsync<object?>(WorkflowId, cancellationToken: cancellationToken).ConfigureAwait(false);
        await handle.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new RecoveredWorkflow(WorkflowId, StepsRunBeforeCrash, StepsRunSince());
    }

    /// <inheritdoc cref="RecoverAsync(CancellationToken)"/>
    public async Task<RecoveredWorkflow<TResult>> RecoverAsync<TResult>(CancellationToken cancellationToken = default)
    {
        await _environment.RestartAfterCrashAsync(cancellationToken).ConfigureAwait(false);
        var handle = await _environment.Runtime.RetrieveWorkflowAsync<TResult>(WorkflowId, cancellationToken: cancellationToken).ConfigureAwait(false);
        var result = await handle.GetResultAsync(cancellationToken).ConfigureAwait(false);
        return new RecoveredWorkflow<TResult>(WorkflowId, StepsRunBeforeCrash, StepsRunSince(), result);
    }

    private List<StepRun> StepsRunSince() => _environment.StepRuns.Where(r => r.Process > _process && IsOf(r, WorkflowId)).ToList();

    /// <summary>A step of the workflow or of a child whose ID derives from it (<c>{parent}-{functionId}</c>).</summary>
    internal static bool IsOf(StepRun run, string workflowId)
        => run.WorkflowId == workflowId || run.WorkflowId.StartsWith(workflowId + "-", StringComparison.Ordinal);
}

/// <summary>A workflow recovered after a <see cref="SimulatedCrash"/>: which step bodies ran before the crash and after it.</summary>
public class RecoveredWorkflow
{
    internal RecoveredWorkflow(string workflowId, IReadOnlyList<StepRun> before, IReadOnlyList<StepRun> after)
    {
        WorkflowId = workflowId;
        StepsRunBeforeCrash = before;
        StepsRunAfterRecovery = after;
        StepsRunAgain = after.Where(a => before.Any(b => b.WorkflowId == a.WorkflowId && b.FunctionId == a.FunctionId)).Select(a => a.Name).ToList();
    }

    /// <summary>The recovered workflow.</summary>
    public string WorkflowId { get; }

    /// <summary>The step bodies of the workflow (and its child workflows) that ran before the crash, in order.</summary>
    public IReadOnlyList<StepRun> StepsRunBeforeCrash { get; }

    /// <summary>The step bodies that ran after recovery, in order: the steps not checkpointed before the crash.</summary>
    public IReadOnlyList<StepRun> StepsRunAfterRecovery { get; }

    /// <summary>The names of the steps whose bodies ran both before the crash and after recovery (their checkpoint was lost).</summary>
    public IReadOnlyList<string> StepsRunAgain { get; }
}

/// <summary>A <see cref="RecoveredWorkflow"/> with the workflow's result.</summary>
public sealed class RecoveredWorkflow<TResult> : RecoveredWorkflow
{
    internal RecoveredWorkflow(string workflowId, IReadOnlyList<StepRun> before, IReadOnlyList<StepRun> after, TResult result)
        : base(workflowId, before, after)
        => Result = result;

    /// <summary>The workflow's result.</summary>
    public TResult Result { get; }
}
