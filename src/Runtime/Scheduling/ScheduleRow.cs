using System;
using System.Globalization;

namespace Dbos.Scheduling;

/// <summary>One row of <c>workflow_schedules</c>, with its columns as DBOS stores them (times as ISO 8601 text).</summary>
internal sealed record ScheduleRow(
    string ScheduleId,
    string ScheduleName,
    string WorkflowName,
    string? WorkflowClassName,
    string Schedule,
    string Status,
    string Context,
    string? LastFiredAt,
    bool AutomaticBackfill,
    string? CronTimezone,
    string? QueueName,
    string? ApplicationName)
{
    public const string ActiveStatus = "ACTIVE";
    public const string PausedStatus = "PAUSED";

    /// <summary>A tick as DBOS TypeScript writes it (<c>Date.toISOString()</c>): UTC, milliseconds, <c>Z</c>. Workflow IDs and
    /// <c>last_fired_at</c> use it, so every SDK derives the same ID from the same tick.</summary>
    public static string FormatTime(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static DateTimeOffset? ParseTime(string? text)
        => DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time) ? time : null;

    /// <summary>What a watching loop depends on: a change to any of these restarts it (status and last fire do not).</summary>
    public string Signature => string.Join('\u001f', WorkflowName, WorkflowClassName ?? string.Empty, Schedule, Context, CronTimezone ?? string.Empty, QueueName ?? string.Empty);
}

/// <summary>Which schedules a list returns; null members do not filter.</summary>
internal sealed record ScheduleQuery(string? Status, string? WorkflowName, string? NamePrefix, bool ScopeToApplication, string? ApplicationName);

/// <summary>The definition fields an update writes; null members stay as stored. An empty time zone or queue clears it (UTC, the
/// internal queue).</summary>
internal sealed record ScheduleChange(string? Schedule, string? Context, bool? AutomaticBackfill, string? CronTimezone, string? QueueName);

/// <summary>A schedule name of an applied set that another application's schedule holds.</summary>
internal readonly record struct ScheduleConflict(string ScheduleName, string ApplicationName);
