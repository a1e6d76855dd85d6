using System;
using System.Collections.Generic;
using System.Data;
using System.Threading;
using System.Threading.Tasks;
using Dbos.Scheduling;
using Npgsql;
using NpgsqlTypes;

namespace Dbos.SystemDatabase.Postgres;

/// <summary>Schedules in <c>workflow_schedules</c>.</summary>
internal sealed partial class PostgresSystemDatabase
{
    private const string ScheduleColumns = """
        schedule_id, schedule_name, workflow_name, workflow_class_name, schedule, status, context, last_fired_at,
        automatic_backfill, cron_timezone, queue_name, application_name
        """;

    private const string CreateScheduleSql = """
        INSERT INTO {schema}.workflow_schedules (
            schedule_id, schedule_name, workflow_name, workflow_class_name, schedule, status, context, last_fired_at,
            automatic_backfill, cron_timezone, queue_name, application_name)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
        ON CONFLICT (schedule_name) DO NOTHING
        """;

    // DBOS's applySchedules upsert: the definition is replaced, the ID, status and last fired tick kept, an unclaimed row claimed; a row
    // of another application is not touched (no row counted), which the caller reports.
    private const string ApplyScheduleSql = """
        INSERT INTO {schema}.workflow_schedules (
            schedule_id, schedule_name, workflow_name, workflow_class_name, schedule, status, context, last_fired_at,
            automatic_backfill, cron_timezone, queue_name, application_name)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
        ON CONFLICT (schedule_name) DO UPDATE SET
            workflow_name = EXCLUDED.workflow_name,
            workflow_class_name = EXCLUDED.workflow_class_name,
            schedule = EXCLUDED.schedule,
            context = EXCLUDED.context,
            automatic_backfill = EXCLUDED.automatic_backfill,
            cron_timezone = EXCLUDED.cron_timezone,
            queue_name = EXCLUDED.queue_name,
            application_name = COALESCE(workflow_schedules.application_name, EXCLUDED.application_name)
        WHERE workflow_schedules.application_name IS NULL OR EXCLUDED.application_name IS NULL
           OR workflow_schedules.application_name = EXCLUDED.application_name
        """;

    private const string ScheduleOwnerSql = "SELECT application_name FROM {schema}.workflow_schedules WHERE schedule_name = $1";

    // Each field is written only when given (NULL keeps the stored value); '' clears a time zone or queue.
    private const string UpdateScheduleSql = """
        UPDATE {schema}.workflow_schedules SET
            schedule = COALESCE($2, schedule),
            context = COALESCE($3, context),
            automatic_backfill = COALESCE($4, automatic_backfill),
            cron_timezone = CASE WHEN $5::text IS NULL THEN cron_timezone ELSE NULLIF($5, '') END,
            queue_name = CASE WHEN $6::text IS NULL THEN queue_name ELSE NULLIF($6, '') END
        WHERE schedule_name = $1
        """;

    // Filters are all present and switched off with NULL, so the statement text (and its plan) never changes.
    private const string ListSchedulesSql = "SELECT " + ScheduleColumns + """
         FROM {schema}.workflow_schedules
        WHERE ($1::text IS NULL OR status = $1)
          AND ($2::text IS NULL OR workflow_name = $2)
          AND ($3::text IS NULL OR starts_with(schedule_name, $3))
          AND (NOT $4 OR $5::text IS NULL OR application_name = $5 OR application_name IS NULL)
        ORDER BY schedule_name
        """;

    private const string GetScheduleSql = "SELECT " + ScheduleColumns + " FROM {schema}.workflow_schedules WHERE schedule_name = $1";

    private const string SetScheduleStatusSql = "UPDATE {schema}.workflow_schedules SET status = $2 WHERE schedule_name = $1";

    private const string DeleteScheduleSql = "DELETE FROM {schema}.workflow_schedules WHERE schedule_name = $1";

    private const string UpdateScheduleLastFiredSql = """
        UPDATE {schema}.workflow_schedules SET last_fired_at = $2
        WHERE schedule_name = $1 AND (last_fired_at IS NULL OR last_fired_at < $2)
        """;

    // The same scope as RegisterApplicationVersionSql's "latest": this application's versions and unclaimed ones.
    private const string LatestApplicationVersionSql = """
        SELECT version_name FROM {schema}.application_versions
        WHERE $1::text IS NULL OR application_name IS NULL OR application_name = $1
        ORDER BY version_timestamp DESC LIMIT 1
        """;

    public async Task<bool> CreateScheduleAsync(ScheduleRow schedule, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(Qualify(CreateScheduleSql));
        AddScheduleParameters(command, schedule);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <summary>$1..$12 of an insert of the row, in <see cref="ScheduleColumns"/> order.</summary>
    private static void AddScheduleParameters(NpgsqlCommand command, ScheduleRow schedule)
    {
        command.Parameters.Add(Text(schedule.ScheduleId));
        command.Parameters.Add(Text(schedule.ScheduleName));
        command.Parameters.Add(Text(schedule.WorkflowName));
        command.Parameters.Add(Text(schedule.WorkflowClassName));
        command.Parameters.Add(Text(schedule.Schedule));
        command.Parameters.Add(Text(schedule.Status));
        command.Parameters.Add(Text(schedule.Context));
        command.Parameters.Add(Text(schedule.LastFiredAt));
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Boolean, Value = schedule.AutomaticBackfill });
        command.Parameters.Add(Text(schedule.CronTimezone));
        command.Parameters.Add(Text(schedule.QueueName));
        command.Parameters.Add(Text(schedule.ApplicationName));
    }

    public async Task<ScheduleConflict?> ApplySchedulesAsync(IReadOnlyList<ScheduleRow> schedules, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false);
        foreach (var schedule in schedules)
        {
            await using var upsert = new NpgsqlCommand(Qualify(ApplyScheduleSql), connection, transaction);
            AddScheduleParameters(upsert, schedule);
            if (await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
            {
                await using var owner = new NpgsqlCommand(Qualify(ScheduleOwnerSql), connection, transaction) { Parameters = { Text(schedule.ScheduleName) } };
                var taken = await owner.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
                await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
                return new ScheduleConflict(schedule.ScheduleName, taken ?? "another application");
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return null;
    }

    public async Task<bool> UpdateScheduleAsync(string scheduleName, ScheduleChange change, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(Qualify(UpdateScheduleSql));
        command.Parameters.Add(Text(scheduleName));
        command.Parameters.Add(Text(change.Schedule));
        command.Parameters.Add(Text(change.Context));
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Boolean, Value = change.AutomaticBackfill is { } backfill ? backfill : DBNull.Value });
        command.Parameters.Add(Text(change.CronTimezone));
        command.Parameters.Add(Text(change.QueueName));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    public async Task<IReadOnlyList<ScheduleRow>> ListSchedulesAsync(ScheduleQuery query, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(Qualify(ListSchedulesSql));
        command.Parameters.Add(Text(query.Status));
        command.Parameters.Add(Text(query.WorkflowName));
        command.Parameters.Add(Text(query.NamePrefix));
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Boolean, Value = query.ScopeToApplication });
        command.Parameters.Add(Text(query.ApplicationName));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<ScheduleRow>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(ReadSchedule(reader));
        }

        return rows;
    }

    public async Task<ScheduleRow?> GetScheduleAsync(string scheduleName, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(Qualify(GetScheduleSql));
        command.Parameters.Add(Text(scheduleName));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadSchedule(reader) : null;
    }

    public async Task<bool> SetScheduleStatusAsync(string scheduleName, string status, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(Qualify(SetScheduleStatusSql));
        command.Parameters.Add(Text(scheduleName));
        command.Parameters.Add(Text(status));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    public async Task<bool> DeleteScheduleAsync(string scheduleName, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(Qualify(DeleteScheduleSql));
        command.Parameters.Add(Text(scheduleName));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    public async Task UpdateScheduleLastFiredAsync(string scheduleName, string lastFiredAt, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(Qualify(UpdateScheduleLastFiredSql));
        command.Parameters.Add(Text(scheduleName));
        command.Parameters.Add(Text(lastFiredAt));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<string?> GetLatestApplicationVersionAsync(string? applicationName, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(Qualify(LatestApplicationVersionSql));
        command.Parameters.Add(Text(applicationName));
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
    }

    private static ScheduleRow ReadSchedule(NpgsqlDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        reader.GetString(2),
        GetString(reader, 3),
        reader.GetString(4),
        reader.GetString(5),
        reader.GetString(6),
        GetString(reader, 7),
        reader.GetBoolean(8),
        GetString(reader, 9),
        GetString(reader, 10),
        GetString(reader, 11));
}
