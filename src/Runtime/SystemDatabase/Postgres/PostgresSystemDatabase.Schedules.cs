using System.Collections.Generic;
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
