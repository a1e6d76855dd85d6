using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Dbos.SystemDatabase.Sqlite;

/// <summary>Read-only views for operators (see <see cref="ISystemDatabase"/>).</summary>
internal sealed partial class SqliteSystemDatabase
{
    // ENQUEUED and PENDING rows come from idx_workflow_status_in_flight_v2, DELAYED ones from idx_workflow_status_delayed.
    private const string QueueActivitySql = """
        SELECT queue_name, SUM(status = 'ENQUEUED'), SUM(status = 'DELAYED'), SUM(status = 'PENDING')
        FROM workflow_status
        WHERE status IN ('ENQUEUED', 'PENDING', 'DELAYED') AND queue_name IS NOT NULL
          AND ($app IS NULL OR application_name IS NULL OR application_name = $app)
        GROUP BY queue_name
        ORDER BY queue_name
        LIMIT 1000
        """;

    public Task<IReadOnlyList<QueueActivity>> CountQueueActivityAsync(string? applicationName, CancellationToken cancellationToken)
        => RunAsync<IReadOnlyList<QueueActivity>>(connection =>
        {
            var command = Command(connection, QueueActivitySql);
            Bind(command, "$app", applicationName);
            var rows = new List<QueueActivity>();
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                rows.Add(new QueueActivity(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3)));
            }

            return rows;
        }, cancellationToken);

    // Reads idx_workflow_status_pending.
    private const string ExecutorActivitySql = """
        SELECT executor_id, application_version, COUNT(*)
        FROM workflow_status
        WHERE status = 'PENDING' AND ($app IS NULL OR application_name IS NULL OR application_name = $app)
        GROUP BY executor_id, application_version
        ORDER BY COUNT(*) DESC, executor_id, application_version
        LIMIT 1000
        """;

    public Task<IReadOnlyList<ExecutorActivity>> CountExecutorActivityAsync(string? applicationName, CancellationToken cancellationToken)
        => RunAsync<IReadOnlyList<ExecutorActivity>>(connection =>
        {
            var command = Command(connection, ExecutorActivitySql);
            Bind(command, "$app", applicationName);
            var rows = new List<ExecutorActivity>();
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                rows.Add(new ExecutorActivity(NullableString(reader, 0), NullableString(reader, 1), reader.GetInt64(2)));
            }

            return rows;
        }, cancellationToken);

    private const string ListEventsSql = "SELECT key, value, serialization FROM workflow_events WHERE workflow_uuid = $id ORDER BY key LIMIT 1000";

    public Task<IReadOnlyList<StoredEvent>> ListEventsAsync(string workflowId, CancellationToken cancellationToken)
        => RunAsync<IReadOnlyList<StoredEvent>>(connection =>
        {
            var command = Command(connection, ListEventsSql);
            Bind(command, "$id", workflowId);
            var rows = new List<StoredEvent>();
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                rows.Add(new StoredEvent(reader.GetString(0), reader.GetString(1), NullableString(reader, 2)));
            }

            return rows;
        }, cancellationToken);

    // Reads idx_workflow_topic by its first column.
    private const string ListMessagesSql = """
        SELECT message_uuid, topic, message, serialization, created_at_epoch_ms, consumed FROM notifications
        WHERE destination_uuid = $id
        ORDER BY created_at_epoch_ms, rowid
        LIMIT $limit
        """;

    public Task<IReadOnlyList<StoredNotification>> ListMessagesAsync(string workflowId, int limit, CancellationToken cancellationToken)
        => RunAsync<IReadOnlyList<StoredNotification>>(connection =>
        {
            var command = Command(connection, ListMessagesSql);
            Bind(command, "$id", workflowId);
            Bind(command, "$limit", limit);
            var rows = new List<StoredNotification>();
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                rows.Add(new StoredNotification(reader.GetString(0), NullableString(reader, 1), reader.GetString(2), NullableString(reader, 3), reader.GetInt64(4), reader.GetInt64(5) != 0));
            }

            return rows;
        }, cancellationToken);
}
