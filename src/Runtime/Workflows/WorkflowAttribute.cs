using System;

namespace Dbos;

/// <summary>
/// Marks a method of a <c>partial</c> class as a durable workflow. Calls to it are routed through the
/// DBOS runtime by generated interceptors: the workflow gets an ID, its inputs and outcome are stored in
/// the system database, and after a crash it is resumed, replaying the steps that had completed.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = false)]
public sealed class WorkflowAttribute : Attribute
{
    /// <summary>The stable name stored with the workflow. Defaults to the method name. Renaming a method
    /// without setting this is a breaking change for workflows that are in flight.</summary>
    public string? Name { get; set; }

    /// <summary>How many times recovery may restart the workflow before it is dead-lettered with the
    /// status <c>MAX_RECOVERY_ATTEMPTS_EXCEEDED</c>.</summary>
    public int MaxRecoveryAttempts { get; set; } = 100;
}
