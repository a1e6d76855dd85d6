using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Dbos.Scheduling;
using Microsoft.Data.Sqlite;

namespace Dbos.SystemDatabase.Sqlite;

/// <summary>Schedules in <c>workflow_schedules</c>.</summary>
internal sealed partial class SqliteSystemDatabase
{
    private const string ScheduleColumns = """
        schedule_id, schedule_name, workflow_name, workflow_class_name, schedule, status, context, last_fired_at,
        automatic_backfill, cron_timezone, queue_name, application_name
        """;

    private const string CreateScheduleSql = """
        INSERT INTO workflow_schedules (
            schedule_id, schedule_name, workflow_name, workflow_class_name, schedule, status, context, last_fired_at,
            automatic_backfill, cron_timezone, queue_name, application_name)
        VALUES ($id, $name, $workflow, $class, $schedule, $status, $context, $last, $backfill, $zone, $queue, $app)
        ON CONFLICT (schedule_name) DO NOTHING
        """;

    // DBOS's applySchedules upsert (see the PostgreSQL statement): the ID, status and last fired tick kept, another application's row untouched.
    private const string ApplyScheduleSql = """
        INSERT INTO workflow_schedules (
            schedule_id, schedule_name, workflow_name, workflow_class_name, schedule, status, context, last_fired_at,
            automatic_backfill, cron_timezone, queue_name, application_name)
        VALUES ($id, $name, $workflow, $class, $schedule, $status, $context, $last, $backfill, $zone, $queue, $app)
        ON CONFLICT (schedule_name) DO UPDATE SET
            workflow_name = excluded.workflow_name,
            workflow_class_name = excluded.workflow_class_name,
            schedule = excluded.schedule,
            context = excluded.context,
            automatic_backfill = excluded.automatic_backfill,
            cron_timezone = excluded.cron_timezone,
            queue_name = excluded.queue_name,
            application_name = COALESCE(workflow_schedules.application_name, excluded.application_name)
        WHERE workflow_schedules.application_name IS NULL OR excluded.application_name IS NULL
           OR workflow_schedules.application_name = excluded.application_name
        """;

    private const string ScheduleOwnerSql = "SELECT application_name FROM workflow_schedules WHERE schedule_name = $name";

    // Each field is written only when given (NULL keeps the stored value); '' clears a time zone or queue.
    private const string UpdateScheduleSql = """
        UPDATE workflow_schedules SET
            schedule = COALESCE($schedule, schedule),
            context = COALESCE($context, context),
            automatic_backfill = COALESCE($backfill, automatic_backfill),
            cron_timezone = CASE WHEN $zone IS NULL THEN cron_timezone ELSE NULLIF($zone, '') END,
            queue_name = CASE WHEN $queue IS NULL THEN queue_name ELSE NULLIF($queue, '') END
        WHERE schedule_name = $name
        """;

    private const string ListSchedulesSql = "SELECT " + ScheduleColumns + """
         FROM workflow_schedules
        WHERE ($status IS NULL OR status = $status)
          AND ($workflow IS NULL OR workflow_name = $workflow)
          AND ($prefix IS NULL OR substr(schedule_name, 1, length($prefix)) = $prefix)
          AND (NOT $scoped OR $app IS NULL OR application_name = $app OR application_name IS NULL)
        ORDER BY schedule_name
        """;

    private const string GetScheduleSql = "SELECT " + ScheduleColumns + " FROM workflow_schedules WHERE schedule_name = $name";

    private const string SetScheduleStatusSql = "UPDATE workflow_schedules SET status = $status WHERE schedule_name = $name";

    private const string DeleteScheduleSql = "DELETE FROM workflow_schedules WHERE schedule_name = $name";

    private const string UpdateScheduleLastFiredSql = """
        UPDATE workflow_schedules SET last_fired_at = $last
        WHERE schedule_name = $name AND (last_fired_at IS NULL OR last_fired_at < $last)
        """;

    public Task<bool> CreateScheduleAsync(ScheduleRow schedule, CancellationToken cancellationToken) => RunAsync(connection =>
    {
        var insert = Command(connection, CreateScheduleSql);
        BindSchedule(insert, schedule);
        return insert.ExecuteNonQuery() == 1;
    }, cancellationToken);

    public Task<ScheduleConflict?> ApplySchedulesAsync(IReadOnlyList<ScheduleRow> schedules, CancellationToken cancellationToken) => RunAsync<ScheduleConflict?>(connection =>
    {
        Execute(connection, "BEGIN IMMEDIATE");
        try
        {
            foreach (var schedule in schedules)
            {
                var upsert = Command(connection, ApplyScheduleSql);
                BindSchedule(upsert, schedule);
                if (upsert.ExecuteNonQuery() == 0)
                {
                    var owner = Command(connection, ScheduleOwnerSql);
                    Bind(owner, "$name", schedule.ScheduleName);
                    var taken = owner.ExecuteScalar() as string;
                    Rollback(connection);
                    return new ScheduleConflict(schedule.ScheduleName, taken ?? "another application");
                }
            }

            Execute(connection, "COMMIT");
            return null;
        }
        catch
        {
            Rollback(connection);
            throw;
        }
    }, cancellationToken);

    public Task<bool> UpdateScheduleAsync(string scheduleName, ScheduleChange change, CancellationToken cancellationToken) => RunAsync(connection =>
    {
        var update = Command(connection, UpdateScheduleSql);
        Bind(update, "$name", scheduleName);
        Bind(update, "$schedule", change.Schedule);
        Bind(update, "$context", change.Context);
        Bind(update, "$backfill", change.AutomaticBackfill is { } backfill ? (backfill ? 1 : 0) : null);
        Bind(update, "$zone", change.CronTimezone);
        Bind(update, "$queue", change.QueueName);
        return update.ExecuteNonQuery() == 1;
    }, cancellationToken);

    private static void BindSchedule(SqliteCommand insert, ScheduleRow schedule)
    {
        Bind(insert, "$id", schedule.ScheduleId);
        Bind(insert, "$name", schedule.ScheduleName);
        Bind(insert, "$workflow", schedule.WorkflowName);
        Bind(insert, "$class", schedule.WorkflowClassName);
        Bind(insert, "$schedule", schedule.Schedule);
        Bind(insert, "$status", schedule.Status);
        Bind(insert, "$context", schedule.Context);
        Bind(insert, "$last", schedule.LastFiredAt);
        Bind(insert, "$backfill", schedule.AutomaticBackfill ? 1 : 0);
        Bind(insert, "$zone", schedule.CronTimezone);
        Bind(insert, "$queue", schedule.QueueName);
        Bind(insert, "$app", schedule.ApplicationName);
    }

    public Task<IReadOnlyList<ScheduleRow>> ListSchedulesAsync(ScheduleQuery query, CancellationToken cancellationToken) => RunAsync<IReadOnlyList<ScheduleRow>>(connection =>
    {
        var select = Command(connection, ListSchedulesSql);
        Bind(select, "$status", query.Status);
        Bind(select, "$workflow", query.WorkflowName);
        Bind(select, "$prefix", query.NamePrefix);
        Bind(select, "$scoped", query.ScopeToApplication ? 1 : 0);
        Bind(select, "$app", query.ApplicationName);
        using var reader = select.ExecuteReader();
        var rows = new List<ScheduleRow>();
        while (reader.Read())
        {
            rows.Add(ReadSchedule(reader));
        }

        return rows;
    }, cancellationToken);

    public Task<ScheduleRow?> GetScheduleAsync(string scheduleName, CancellationToken cancellationToken) => RunAsync(connection =>
    {
        var select = Command(connection, GetScheduleSql);
        Bind(select, "$name", scheduleName);
        using var reader = select.ExecuteReader();
        return reader.Read() ? ReadSchedule(reader) : null;
    }, cancellationToken);

    public Task<bool> SetScheduleStatusAsync(string scheduleName, string status, CancellationToken cancellationToken) => RunAsync(connection =>
    {
        var update = Command(connection, SetScheduleStatusSql);
        Bind(update, "$name", scheduleName);
        Bind(update, "$status", status);
        return update.ExecuteNonQuery() == 1;
    }, cancellationToken);

    public Task<bool> DeleteScheduleAsync(string scheduleName, CancellationToken cancellationToken) => RunAsync(connection =>
    {
        var delete = Command(connection, DeleteScheduleSql);
        Bind(delete, "$name", scheduleName);
        return delete.ExecuteNonQuery() == 1;
    }, cancellationToken);

    public Task UpdateScheduleLastFiredAsync(string scheduleName, string lastFiredAt, CancellationToken cancellationToken) => RunAsync(connection =>
    {
        var update = Command(connection, UpdateScheduleLastFiredSql);
        Bind(update, "$name", scheduleName);
        Bind(update, "$last", lastFiredAt);
        return update.ExecuteNonQuery();
    }, cancellationToken);

    // IsLatestSql's scope: the version the dequeue of this application treats as latest.
    public Task<string?> GetLatestApplicationVersionAsync(string? applicationName, CancellationToken cancellationToken) => RunAsync(connection =>
    {
        var select = Command(connection, IsLatestSql);
        Bind(select, "$app", applicationName);
        return select.ExecuteScalar() as string;
    }, cancellationToken);

    private static ScheduleRow ReadSchedule(SqliteDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        reader.GetString(2),
        NullableString(reader, 3),
        reader.GetString(4),
        reader.GetString(5),
        reader.GetString(6),
        NullableString(reader, 7),
        reader.GetInt64(8) != 0,
        NullableString(reader, 9),
        NullableString(reader, 10),
        NullableString(reader, 11));
}
