using System;

namespace Dbos;

/// <summary>
/// Runs a <c>[Workflow]</c> on a cron schedule while the application runs: <c>[Scheduled("*/30 * * * * *")]</c> on a workflow whose
/// parameters are <c>(DateTimeOffset scheduledTime, DateTimeOffset actualTime)</c>. Each tick is enqueued once, whatever the number of
/// processes, under the workflow ID <c>sched-{workflow name}-{tick as ISO 8601}</c>; ticks missed while no process ran are skipped
/// (<see cref="DBOS.BackfillScheduleAsync"/> runs them). Analyzers DBOS017 and DBOS018 check the signature and the cron text.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = false)]
public sealed class ScheduledAttribute : Attribute
{
    /// <param name="cron">5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first, e.g. <c>"0 0 2 * * *"</c> (daily at 02:00).</param>
    public ScheduledAttribute(string cron) => Cron = cron;

    public string Cron { get; }

    /// <summary>The IANA time zone the cron fields are read in (e.g. <c>"Europe/Paris"</c>); null for UTC.</summary>
    public string? TimeZone { get; set; }

    /// <summary>The queue the runs are enqueued on; null for DBOS's internal queue, which every process serves.</summary>
    public string? Queue { get; set; }
}
