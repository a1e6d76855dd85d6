namespace Dbos;

/// <summary>
/// One schedule of a set given to <see cref="DbosRuntime.ApplySchedulesAsync"/> (DBOS's <c>applySchedules</c>): created when no schedule
/// has its name, else its definition replaced, keeping the stored status (a paused schedule stays paused) and last fired tick.
/// </summary>
/// <param name="ScheduleName">The schedule's unique name.</param>
/// <param name="WorkflowName">The stored workflow name: <c>[Workflow(Name)]</c> or the method name.</param>
/// <param name="Cron">5 fields (minute first) or 6 with seconds first.</param>
/// <param name="Context">The value each run receives (portable JSON); null for none.</param>
/// <param name="Options">Time zone, queue, automatic backfill, another application's workflow.</param>
public sealed record ScheduleDefinition(string ScheduleName, string WorkflowName, string Cron, object? Context = null, ScheduleOptions? Options = null);

/// <summary>What <see cref="DbosRuntime.UpdateScheduleAsync"/> changes in a stored schedule (DBOS's <c>updateSchedule</c>); what is not
/// set stays as stored, and so do the status and the last fired tick.</summary>
public sealed class ScheduleUpdate
{
    private readonly object? _context;

    /// <summary>The new cron text; null keeps the stored one.</summary>
    public string? Cron { get; init; }

    /// <summary>The new context, when set (null included: the runs then receive null).</summary>
    public object? Context
    {
        get => _context;
        init
        {
            _context = value;
            ReplacesContext = true;
        }
    }

    /// <summary>Whether <see cref="Context"/> was set.</summary>
    public bool ReplacesContext { get; private init; }

    /// <summary>Whether a process that starts watching the schedule first enqueues the ticks missed since the last one; null keeps it.</summary>
    public bool? AutomaticBackfill { get; init; }

    /// <summary>The new IANA time zone; <c>""</c> for UTC; null keeps the stored one.</summary>
    public string? TimeZone { get; init; }

    /// <summary>The new queue; <c>""</c> for DBOS's internal queue; null keeps the stored one.</summary>
    public string? Queue { get; init; }
}
