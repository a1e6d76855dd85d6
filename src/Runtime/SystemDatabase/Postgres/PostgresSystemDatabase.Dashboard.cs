using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Dbos.SystemDatabase.Postgres;

/// <summary>Read-only views for operators (see <see cref="ISystemDatabase"/>).</summary>
internal sealed partial class PostgresSystemDatabase
{
    private string? _queueActivitySql;
    private string? _executorActivitySql;
    private string? _listEventsSql;
    private string? _listMessagesSql;

    // ENQUEUED and PENDING rows come from idx_workflow_status_in_flight_v2, DELAYED ones from idx_workflow_status_delayed.
    private const string QueueActivitySql = """
        SELECT queue_name, count(*) FILTER (WHERE status = 'ENQUEUED'), count(*) FILTER (WHERE status = 'DELAYED'), count(*) FILTER (WHERE status = 'PENDING')
        FROM {schema}.workflow_status
        WHERE status IN ('ENQUEUED', 'PENDING', 'DELAYED') AND queue_name IS NOT NULL
          AND ($1::text IS NULL OR application_name IS NULL OR application_name = $1)
        GROUP BY queue_name
        ORDER BY queue_name
        LIMIT 1000
        """;

    public async Task<IReadOnlyList<QueueActivity>> CountQueueActivityAsync(string? applicationName, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(_queueActivitySql ??= Qualify(QueueActivitySql));
        command.Parameters.Add(Text(applicationName));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<QueueActivity>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new QueueActivity(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3)));
        }

        return rows;
    }

    // Reads idx_workflow_status_pending.
    private const string ExecutorActivitySql = """
        SELECT executor_id, application_version, count(*)
        FROM {schema}.workflow_status
        WHERE status = 'PENDING' AND ($1::text IS NULL OR application_name IS NULL OR application_name = $1)
        GROUP BY executor_id, application_version
        ORDER BY count(*) DESC, executor_id, application_version
        LIMIT 1000
        """;

    public async Task<IReadOnlyList<ExecutorActivity>> CountExecutorActivityAsync(string? applicationName, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(_executorActivitySql ??= Qualify(ExecutorActivitySql));
        command.Parameters.Add(Text(applicationName));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<ExecutorActivity>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new ExecutorActivity(GetString(reader, 0), GetString(reader, 1), reader.GetInt64(2)));
        }

        return rows;
    }

    private const string ListEventsSql = "SELECT key, value, serialization FROM {schema}.workflow_events WHERE workflow_uuid = $1 ORDER BY key LIMIT 1000";

    public async Task<IReadOnlyList<StoredEvent>> ListEventsAsync(string workflowId, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(_listEventsSql ??= Qualify(ListEventsSql));
        command.Parameters.Add(Text(workflowId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<StoredEvent>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new StoredEvent(reader.GetString(0), reader.GetString(1), GetString(reader, 2)));
        }

        return rows;
    }

    // Reads idx_workflow_topic by its first column.
    private const string ListMessagesSql = """
        SELECT message_uuid, topic, message, serialization, created_at_epoch_ms, consumed FROM {schema}.notifications
        WHERE destination_uuid = $1
        ORDER BY created_at_epoch_ms, message_uuid
        LIMIT $2
        """;

    public async Task<IReadOnlyList<StoredNotification>> ListMessagesAsync(string workflowId, int limit, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(_listMessagesSql ??= Qualify(ListMessagesSql));
        command.Parameters.Add(Text(workflowId));
        command.Parameters.Add(Int(limit));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<StoredNotification>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new StoredNotification(reader.GetString(0), GetString(reader, 1), reader.GetString(2), GetString(reader, 3), reader.GetInt64(4), reader.GetBoolean(5)));
        }

        return rows;
    }
}
