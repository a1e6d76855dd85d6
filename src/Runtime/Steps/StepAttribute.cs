using System;

namespace Dbos;

/// <summary>
/// Marks a method of a <c>partial</c> class as a step. Called from a workflow, its output (or error) is
/// checkpointed before the workflow goes on, and a re-executed workflow gets the recorded result instead
/// of running the step again. Called outside a workflow, it is a plain call.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = false)]
public sealed class StepAttribute : Attribute
{
    /// <summary>The name recorded for the step. Defaults to the method name.</summary>
    public string? Name { get; set; }

    /// <summary>Whether a failing attempt is retried.</summary>
    public bool RetriesAllowed { get; set; }

    /// <summary>Seconds to wait before the first retry.</summary>
    public double IntervalSeconds { get; set; } = 1;

    /// <summary>Attempts in all, the first included.</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Each retry waits this many times longer than the previous one (capped at one hour).</summary>
    public double BackoffRate { get; set; } = 2;
}
