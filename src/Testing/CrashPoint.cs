using System;

namespace Dbos.Testing;

/// <summary>Where <see cref="DbosTestEnvironment.RunUntilCrashAsync{THandle}"/> stops the process: at a step, named or by
/// its function id, before it runs, after it ran but before its checkpoint is written, or after its checkpoint.</summary>
public sealed class CrashPoint
{
    private CrashPoint(string? stepName, int? functionId, CrashMoment moment)
    {
        StepName = stepName;
        FunctionId = functionId;
        Moment = moment;
    }

    /// <summary>The step's name, or null when the point is a function id.</summary>
    public string? StepName { get; }

    /// <summary>The step's function id (0-based position among the workflow's durable operations), or null when the point is a name.</summary>
    public int? FunctionId { get; }

    /// <summary>When, relative to the step, the process stops.</summary>
    public CrashMoment Moment { get; }

    /// <summary>The process dies as the step is about to run: it never ran, and runs after recovery.</summary>
    public static CrashPoint BeforeStep(string stepName) => new(Require(stepName), null, CrashMoment.BeforeStep);

    /// <inheritdoc cref="BeforeStep(string)"/>
    public static CrashPoint BeforeStep(int functionId) => new(null, RequireId(functionId), CrashMoment.BeforeStep);

    /// <summary>The process dies after the step's body ran and before its checkpoint is written: after recovery it runs
    /// again (the at-least-once case a step's side effects must tolerate).</summary>
    public static CrashPoint BeforeCheckpoint(string stepName) => new(Require(stepName), null, CrashMoment.BeforeCheckpoint);

    /// <inheritdoc cref="BeforeCheckpoint(string)"/>
    public static CrashPoint BeforeCheckpoint(int functionId) => new(null, RequireId(functionId), CrashMoment.BeforeCheckpoint);

    /// <summary>The process dies right after the step's checkpoint is committed: after recovery the step is not run again.</summary>
    public static CrashPoint AfterStep(string stepName) => new(Require(stepName), null, CrashMoment.AfterStep);

    /// <inheritdoc cref="AfterStep(string)"/>
    public static CrashPoint AfterStep(int functionId) => new(null, RequireId(functionId), CrashMoment.AfterStep);

    internal bool Matches(CrashMoment moment, int functionId, string stepName)
        => moment == Moment && (FunctionId is { } id ? id == functionId : string.Equals(StepName, stepName, StringComparison.Ordinal));

    public override string ToString() => $"{Moment} {(FunctionId is { } id ? "function id " + id : "step " + StepName)}";

    private static string Require(string stepName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(stepName);
        return stepName;
    }

    private static int RequireId(int functionId)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(functionId);
        return functionId;
    }
}

/// <summary>When, relative to a step, a <see cref="CrashPoint"/> stops the process.</summary>
public enum CrashMoment
{
    /// <summary>Before the step's body runs.</summary>
    BeforeStep,

    /// <summary>After the step's body ran, before its checkpoint is written.</summary>
    BeforeCheckpoint,

    /// <summary>After the step's checkpoint is committed.</summary>
    AfterStep,
}

/// <summary>A step whose body ran in a <see cref="DbosTestEnvironment"/> (a step replayed from its checkpoint is not one).</summary>
/// <param name="WorkflowId">The workflow it ran in.</param>
/// <param name="FunctionId">Its position among the workflow's durable operations.</param>
/// <param name="Name">The step's name.</param>
/// <param name="Process">Which runtime of the environment ran it: 0 for the first, 1 after the first restart or recovery, ...</param>
public sealed record StepRun(string WorkflowId, int FunctionId, string Name, int Process);
