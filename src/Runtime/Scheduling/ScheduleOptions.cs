namespace Dbos;

/// <summary>Options of a schedule stored in the system database (<see cref="DBOS.CreateScheduleAsync"/>), as DBOS stores them.</summary>
public sealed class ScheduleOptions
{
    /// <summary>The class name stored with the workflow (<c>[WorkflowClass(Name)]</c> or the class's name). Needed only when the
    /// workflow is not registered in this application (a workflow of another application, e.g. one written with DBOS TypeScript).</summary>
    public string? WorkflowClassName { get; init; }

    /// <summary>When a process starts watching the schedule, it first enqueues the ticks missed since the last one fired
    /// (<c>automatic_backfill</c>). Off by default: downtime does not cause a burst of runs.</summary>
    public bool AutomaticBackfill { get; init; }

    /// <summary>The IANA time zone the cron fields are read in (e.g. <c>"Europe/Paris"</c>); null for UTC.</summary>
    public string? TimeZone { get; init; }

    /// <summary>The queue the runs are enqueued on; null for DBOS's internal queue.</summary>
    public string? Queue { get; init; }

    /// <summary>The application that owns the schedule and runs its workflows (<c>application_name</c>). Defaults to this runtime's
    /// <see cref="DbosOptions.ApplicationName"/>; set it to schedule a workflow of another application on the same system database.</summary>
    public string? ApplicationName { get; init; }
}
