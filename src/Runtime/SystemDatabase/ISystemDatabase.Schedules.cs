using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Dbos.Scheduling;

namespace Dbos.SystemDatabase;

/// <summary>Schedules (<c>workflow_schedules</c>), with DBOS's columns and statuses.</summary>
internal partial interface ISystemDatabase
{
    /// <summary>Inserts the schedule; false (nothing written) when a schedule with its name exists.</summary>
    Task<bool> CreateScheduleAsync(ScheduleRow schedule, CancellationToken cancellationToken);

    /// <summary>Upserts the schedules in one transaction (DBOS's <c>applySchedules</c>): an existing row keeps its ID, status and last fired
    /// tick and gets the rest; an unclaimed one is claimed. Returns the first name another application holds, with nothing written.</summary>
    Task<ScheduleConflict?> ApplySchedulesAsync(IReadOnlyList<ScheduleRow> schedules, CancellationToken cancellationToken);

    /// <summary>Writes the set fields of <paramref name="change"/>; false when no schedule has the name.</summary>
    Task<bool> UpdateScheduleAsync(string scheduleName, ScheduleChange change, CancellationToken cancellationToken);

    /// <summary>Schedules by name, filtered by <paramref name="query"/>; with <see cref="ScheduleQuery.ScopeToApplication"/>, only those
    /// of <see cref="ScheduleQuery.ApplicationName"/> and unclaimed ones (every one when it is null), as DBOS lists them.</summary>
    Task<IReadOnlyList<ScheduleRow>> ListSchedulesAsync(ScheduleQuery query, CancellationToken cancellationToken);

    Task<ScheduleRow?> GetScheduleAsync(string scheduleName, CancellationToken cancellationToken);

    /// <summary>Sets ACTIVE or PAUSED; false when no schedule has the name.</summary>
    Task<bool> SetScheduleStatusAsync(string scheduleName, string status, CancellationToken cancellationToken);

    /// <summary>Deletes the schedule (its runs stay); false when no schedule has the name.</summary>
    Task<bool> DeleteScheduleAsync(string scheduleName, CancellationToken cancellationToken);

    /// <summary>Records the tick that fired last (ISO 8601 text, as DBOS writes it), never moving it back.</summary>
    Task UpdateScheduleLastFiredAsync(string scheduleName, string lastFiredAt, CancellationToken cancellationToken);

    /// <summary>The newest registered version of the application (its own and unclaimed ones, as the dequeue sees them), or null.</summary>
    Task<string?> GetLatestApplicationVersionAsync(string? applicationName, CancellationToken cancellationToken);
}
