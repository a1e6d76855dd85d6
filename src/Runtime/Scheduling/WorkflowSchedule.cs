using System;
using Dbos.Scheduling;

namespace Dbos;

/// <summary>Whether a stored schedule fires.</summary>
public enum ScheduleStatus
{
    /// <summary>Fires at its ticks (<c>ACTIVE</c>).</summary>
    Active,

    /// <summary>Fires nothing until resumed (<c>PAUSED</c>); ticks passed while paused are not run unless backfilled.</summary>
    Paused,
}

/// <summary>A schedule stored in the system database (a row of <c>workflow_schedules</c>), created by this SDK or another DBOS SDK.</summary>
public sealed class WorkflowSchedule
{
    private readonly string _context;
    private readonly DbosRuntime _runtime;

    internal WorkflowSchedule(ScheduleRow row, DbosRuntime runtime)
    {
        _runtime = runtime;
        _context = row.Context;
        ScheduleId = row.ScheduleId;
        ScheduleName = row.ScheduleName;
        WorkflowName = row.WorkflowName;
        WorkflowClassName = string.IsNullOrEmpty(row.WorkflowClassName) ? null : row.WorkflowClassName;
        Cron = row.Schedule;
        Status = string.Equals(row.Status, ScheduleRow.PausedStatus, StringComparison.Ordinal) ? ScheduleStatus.Paused : ScheduleStatus.Active;
        LastFiredAt = ScheduleRow.ParseTime(row.LastFiredAt);
        AutomaticBackfill = row.AutomaticBackfill;
        TimeZone = row.CronTimezone;
        Queue = row.QueueName;
        ApplicationName = row.ApplicationName;
    }

    public string ScheduleId { get; }

    public string ScheduleName { get; }

    public string WorkflowName { get; }

    public string? WorkflowClassName { get; }

    /// <summary>The cron expression (<c>schedule</c>).</summary>
    public string Cron { get; }

    public ScheduleStatus Status { get; }

    /// <summary>The tick that fired last (<c>last_fired_at</c>), or null before the first one.</summary>
    public DateTimeOffset? LastFiredAt { get; }

    public bool AutomaticBackfill { get; }

    /// <summary>The time zone of the cron fields; null for UTC.</summary>
    public string? TimeZone { get; }

    /// <summary>The queue the runs are enqueued on; null for DBOS's internal queue.</summary>
    public string? Queue { get; }

    /// <summary>The application that owns the schedule; null when unclaimed (every application's processes may fire it).</summary>
    public string? ApplicationName { get; }

    /// <summary>The context every run receives as its second argument, read as <typeparamref name="T"/>.</summary>
    public T? GetContext<T>() => (T?)ScheduleContext.Read(_runtime, _context, typeof(T), ScheduleName);
}
