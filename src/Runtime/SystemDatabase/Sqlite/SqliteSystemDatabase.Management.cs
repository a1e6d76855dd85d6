using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Dbos.Internal;
using Microsoft.Data.Sqlite;

namespace Dbos.SystemDatabase.Sqlite;

/// <summary>Listing, cancel, resume, fork, delete and garbage collection. Lists of IDs are passed as one JSON array parameter
/// (<c>json_each</c>), so each statement is prepared once whatever the list's length.</summary>
internal sealed partial class SqliteSystemDatabase
{
    public Task<IReadOnlyList<WorkflowListRow>> ListWorkflowsAsync(WorkflowFilter filter, bool queuedOnly, CancellationToken cancellationToken)
    {
        WorkflowListSql.Validate(filter);
        return RunAsync<IReadOnlyList<WorkflowListRow>>(connection =>
        {
            // Built per filter, so not kept with the prepared statements.
            using var command = connection.CreateCommand();
            string Parameter(object? value)
            {
                var name = "$p" + (command.Parameters.Count + 1);
                command.Parameters.AddWithValue(name, value ?? DBNull.Value);
                return name;
            }

            string AnyOf(IReadOnlyCollection<string> values) => "IN (SELECT value FROM json_each(" + Parameter(JsonArray(values)) + "))";

            command.CommandText = WorkflowListSql.Build(filter, queuedOnly, new WorkflowListSql.Dialect(string.Empty, Parameter, AnyOf, "1", "0", "-1"));
            var rows = new List<WorkflowListRow>();
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                rows.Add(ReadListRow(reader));
            }

            return rows;
        }, cancellationToken);
    }

    private static WorkflowListRow ReadListRow(SqliteDataReader reader) => new(
        reader.GetString(0),
        reader.IsDBNull(1) ? string.Empty : reader.GetString(1),
        NullableString(reader, 2),
        NullableString(reader, 3),
        NullableString(reader, 4),
        NullableString(reader, 5),
        NullableString(reader, 6),
        NullableString(reader, 7),
        NullableString(reader, 8),
        NullableString(reader, 9),
        NullableString(reader, 10),
        reader.GetInt64(11),
        reader.GetInt64(12),
        NullableLong(reader, 13),
        reader.GetInt64(14),
        NullableString(reader, 15),
        NullableLong(reader, 16),
        NullableLong(reader, 17),
        NullableLong(reader, 18),
        NullableLong(reader, 19),
        NullableString(reader, 20),
        reader.GetInt32(21),
        NullableString(reader, 22),
        NullableString(reader, 23),
        reader.GetInt64(24) != 0,
        NullableString(reader, 25),
        NullableString(reader, 26),
        NullableString(reader, WorkflowListSql.PayloadOrdinal),
        NullableString(reader, WorkflowListSql.PayloadOrdinal + 1),
        NullableString(reader, WorkflowListSql.PayloadOrdinal + 2));

    private const string CancelSet = """
        SET status = 'CANCELLED', owner_xid = NULL, queue_name = NULL, deduplication_id = NULL, started_at_epoch_ms = NULL,
            updated_at = $now, completed_at = $now
        """;

    private const string CancelWorkflowsSql = "UPDATE workflow_status " + CancelSet + """

        WHERE workflow_uuid IN (SELECT value FROM json_each($ids)) AND status NOT IN ('SUCCESS', 'ERROR')
        RETURNING workflow_uuid
        """;

    public Task<IReadOnlyList<string>> CancelWorkflowsAsync(IReadOnlyList<string> workflowIds, long now, CancellationToken cancellationToken) => RunAsync(connection =>
    {
        var update = Command(connection, CancelWorkflowsSql);
        Bind(update, "$ids", JsonArray(workflowIds));
        Bind(update, "$now", now);
        return ReadIds(update);
    }, cancellationToken);

    private const string CancelTimedOutWorkflowSql = "UPDATE workflow_status " + CancelSet + """

        WHERE workflow_uuid = $id AND status IN ('ENQUEUED', 'PENDING', 'DELAYED')
          AND workflow_deadline_epoch_ms IS NOT NULL AND workflow_deadline_epoch_ms <= $now
        RETURNING workflow_uuid
        """;

    public Task<bool> CancelTimedOutWorkflowAsync(string workflowId, long now, CancellationToken cancellationToken) => RunAsync(connection =>
    {
        var update = Command(connection, CancelTimedOutWorkflowSql);
        Bind(update, "$id", workflowId);
        Bind(update, "$now", now);
        return ReadIds(update).Count > 0;
    }, cancellationToken);

    private const string CancelTimedOutWorkflowsSql = "UPDATE workflow_status " + CancelSet + """

        WHERE workflow_uuid IN (
            SELECT workflow_uuid FROM workflow_status
            WHERE status IN ('ENQUEUED', 'PENDING', 'DELAYED') AND workflow_deadline_epoch_ms IS NOT NULL AND workflow_deadline_epoch_ms <= $now
              AND ($app IS NULL OR application_name IS NULL OR application_name = $app)
            ORDER BY workflow_deadline_epoch_ms
            LIMIT $limit)
        RETURNING workflow_uuid
        """;

    private const string AnyTimedOutSql = """
        SELECT 1 FROM workflow_status
        WHERE status IN ('ENQUEUED', 'PENDING', 'DELAYED') AND workflow_deadline_epoch_ms IS NOT NULL AND workflow_deadline_epoch_ms <= $now
        LIMIT 1
        """;

    public Task<IReadOnlyList<string>> CancelTimedOutWorkflowsAsync(long now, int limit, CancellationToken cancellationToken) => RunAsync(connection =>
    {
        // The sweep runs every second: read first, so an empty sweep takes no write lock from other processes on the file.
        var any = Command(connection, AnyTimedOutSql);
        Bind(any, "$now", now);
        if (any.ExecuteScalar() is null)
        {
            return (IReadOnlyList<string>)[];
        }

        var update = Command(connection, CancelTimedOutWorkflowsSql);
        Bind(update, "$now", now);
        Bind(update, "$app", _options.ApplicationName);
        Bind(update, "$limit", limit);
        return ReadIds(update);
    }, cancellationToken);

    private const string ChildWorkflowIdsSql = "SELECT workflow_uuid FROM workflow_status WHERE parent_workflow_id IN (SELECT value FROM json_each($ids))";

    public Task<IReadOnlyList<string>> GetChildWorkflowIdsAsync(IReadOnlyList<string> parentIds, CancellationToken cancellationToken) => RunAsync(connection =>
    {
        var select = Command(connection, ChildWorkflowIdsSql);
        Bind(select, "$ids", JsonArray(parentIds));
        return ReadIds(select);
    }, cancellationToken);

    private const string ExistingWorkflowIdsSql = "SELECT workflow_uuid FROM workflow_status WHERE workflow_uuid IN (SELECT value FROM json_each($ids))";

    public Task<IReadOnlyList<string>> GetExistingWorkflowIdsAsync(IReadOnlyList<string> workflowIds, CancellationToken cancellationToken) => RunAsync(connection =>
    {
        var select = Command(connection, ExistingWorkflowIdsSql);
        Bind(select, "$ids", JsonArray(workflowIds));
        return ReadIds(select);
    }, cancellationToken);

    private const string StatusOfSql = "SELECT status FROM workflow_status WHERE workflow_uuid = $id";

    private const string ResumeWorkflowSql = """
        UPDATE workflow_status
        SET status = 'ENQUEUED', owner_xid = NULL, queue_name = $queue, recovery_attempts = 0, workflow_deadline_epoch_ms = NULL,
            deduplication_id = NULL, started_at_epoch_ms = NULL, completed_at = NULL, updated_at = $now
        WHERE workflow_uuid = $id AND status NOT IN ('SUCCESS', 'ERROR')
        """;

    public Task<ResumeResult> ResumeWorkflowAsync(string workflowId, string queueName, long now, CancellationToken cancellationToken) => RunInTransactionAsync(connection =>
    {
        var select = Command(connection, StatusOfSql);
        Bind(select, "$id", workflowId);
        string? status;
        using (var reader = select.ExecuteReader())
        {
            if (!reader.Read())
            {
                return new ResumeResult(false, null, false);
            }

            status = NullableString(reader, 0);
        }

        var update = Command(connection, ResumeWorkflowSql);
        Bind(update, "$id", workflowId);
        Bind(update, "$queue", queueName);
        Bind(update, "$now", now);
        return new ResumeResult(true, status, update.ExecuteNonQuery() == 1);
    }, cancellationToken);

    private const string ForkStatusSql = """
        INSERT INTO workflow_status (workflow_uuid, status, name, class_name, config_name, queue_name, authenticated_user, assumed_role,
            authenticated_roles, application_version, application_id, inputs, queue_partition_key, forked_from, serialization, attributes,
            application_name, workflow_timeout_ms, created_at, updated_at)
        SELECT $fork, 'ENQUEUED', name, class_name, config_name, $queue, authenticated_user, assumed_role, authenticated_roles,
            COALESCE($version, application_version), application_id, NULL, $partition, $original, serialization, attributes,
            COALESCE(application_name, $app), $timeout, $now, $now
        FROM workflow_status WHERE workflow_uuid = $original
        ON CONFLICT (workflow_uuid) DO NOTHING
        RETURNING application_name
        """;

    private const string ForkInputSql = """
        INSERT INTO workflow_input (workflow_uuid, inputs, retention_timestamp)
        SELECT $fork, COALESCE(wi.inputs, ws.inputs), $now
        FROM workflow_status ws LEFT JOIN workflow_input wi ON wi.workflow_uuid = ws.workflow_uuid
        WHERE ws.workflow_uuid = $original
        """;

    private const string ForkStepsSql = """
        INSERT INTO operation_outputs (workflow_uuid, function_id, function_name, output, error, serialization, child_workflow_id,
            started_at_epoch_ms, completed_at_epoch_ms, application_name, retention_timestamp)
        SELECT $fork, function_id, function_name, output, error, serialization, child_workflow_id, started_at_epoch_ms, completed_at_epoch_ms, $app, $now
        FROM operation_outputs WHERE workflow_uuid = $original AND function_id < $start
        """;

    private const string ForkStreamsSql = """
        INSERT INTO streams (workflow_uuid, key, value, serialization, "offset", function_id)
        SELECT $fork, key, value, serialization, "offset", function_id FROM streams WHERE workflow_uuid = $original AND function_id < $start
        """;

    private const string ForkHistorySql = """
        INSERT INTO workflow_events_history (workflow_uuid, function_id, key, value, serialization)
        SELECT $fork, function_id, key, value, serialization FROM workflow_events_history WHERE workflow_uuid = $original AND function_id < $start
        """;

    private const string ForkEventsSql = """
        INSERT INTO workflow_events (workflow_uuid, key, value, serialization)
        SELECT $fork, key, value, serialization FROM (
            SELECT key, value, serialization, ROW_NUMBER() OVER (PARTITION BY key ORDER BY function_id DESC) AS rn
            FROM workflow_events_history WHERE workflow_uuid = $original AND function_id < $start)
        WHERE rn = 1
        """;

    private const string MarkForkedSql = "UPDATE workflow_status SET was_forked_from = 1 WHERE workflow_uuid = $original";

    public Task<ForkResult> ForkWorkflowAsync(WorkflowFork fork, CancellationToken cancellationToken) => RunInTransactionAsync(connection =>
    {
        ArgumentNullException.ThrowIfNull(fork);
        var exists = Command(connection, WorkflowExistsSql);
        Bind(exists, "$id", fork.OriginalId);
        if (exists.ExecuteScalar() is null)
        {
            return new ForkResult(false, false);
        }

        var insert = Command(connection, ForkStatusSql);
        Bind(insert, "$fork", fork.ForkId);
        Bind(insert, "$original", fork.OriginalId);
        Bind(insert, "$queue", fork.QueueName);
        Bind(insert, "$version", fork.ApplicationVersion);
        Bind(insert, "$partition", fork.PartitionKey);
        Bind(insert, "$app", fork.ApplicationName);
        Bind(insert, "$timeout", fork.TimeoutMs);
        Bind(insert, "$now", fork.Now);
        string? owner;
        using (var reader = insert.ExecuteReader())
        {
            if (!reader.Read())
            {
                return new ForkResult(true, false);
            }

            owner = NullableString(reader, 0);
        }

        foreach (var sql in new[] { ForkInputSql, ForkStepsSql, ForkStreamsSql, ForkHistorySql, ForkEventsSql, MarkForkedSql })
        {
            var copy = Command(connection, sql);
            Bind(copy, "$original", fork.OriginalId);
            if (sql != MarkForkedSql)
            {
                Bind(copy, "$fork", fork.ForkId);
            }

            if (sql == ForkInputSql || sql == ForkStepsSql)
            {
                Bind(copy, "$now", fork.Now);
            }

            if (sql == ForkStepsSql)
            {
                Bind(copy, "$app", owner);
            }

            if (sql is ForkStepsSql or ForkStreamsSql or ForkHistorySql or ForkEventsSql)
            {
                Bind(copy, "$start", fork.StartStep);
            }

            copy.ExecuteNonQuery();
        }

        return new ForkResult(true, true);
    }, cancellationToken);

    // Every table that holds rows of a workflow; the status row last.
    private static readonly string[] DependentDeletes =
    [
        "DELETE FROM workflow_input WHERE workflow_uuid IN (SELECT value FROM json_each($ids))",
        "DELETE FROM workflow_output WHERE workflow_uuid IN (SELECT value FROM json_each($ids))",
        "DELETE FROM operation_outputs WHERE workflow_uuid IN (SELECT value FROM json_each($ids))",
        "DELETE FROM notifications WHERE destination_uuid IN (SELECT value FROM json_each($ids))",
        "DELETE FROM workflow_events WHERE workflow_uuid IN (SELECT value FROM json_each($ids))",
        "DELETE FROM workflow_events_history WHERE workflow_uuid IN (SELECT value FROM json_each($ids))",
        "DELETE FROM streams WHERE workflow_uuid IN (SELECT value FROM json_each($ids))",
        "DELETE FROM workflow_status WHERE workflow_uuid IN (SELECT value FROM json_each($ids))",
    ];

    public Task<int> DeleteWorkflowsAsync(IReadOnlyList<string> workflowIds, CancellationToken cancellationToken)
        => workflowIds.Count == 0 ? Task.FromResult(0) : RunInTransactionAsync(connection => DeleteAll(connection, JsonArray(workflowIds)), cancellationToken);

    private int DeleteAll(SqliteConnection connection, string ids)
    {
        var deleted = 0;
        foreach (var sql in DependentDeletes)
        {
            var delete = Command(connection, sql);
            Bind(delete, "$ids", ids);
            deleted = delete.ExecuteNonQuery();
        }

        return deleted;
    }

    // Oldest first through the created_at index; active workflows are never victims. One short write transaction per batch.
    private const string GarbageVictimsSql = """
        SELECT workflow_uuid FROM workflow_status
        WHERE created_at < $before AND status NOT IN ('PENDING', 'ENQUEUED', 'DELAYED')
        ORDER BY created_at
        LIMIT $limit
        """;

    public Task<int> GarbageCollectBatchAsync(long createdBefore, int batchSize, CancellationToken cancellationToken) => RunInTransactionAsync(connection =>
    {
        var select = Command(connection, GarbageVictimsSql);
        Bind(select, "$before", createdBefore);
        Bind(select, "$limit", batchSize);
        var victims = ReadIds(select);
        return victims.Count == 0 ? 0 : DeleteAll(connection, JsonArray(victims));
    }, cancellationToken);

    public Task<IReadOnlyList<string>> GetGarbageAsync(long createdBefore, int batchSize, CancellationToken cancellationToken) => RunAsync(connection =>
    {
        var select = Command(connection, GarbageVictimsSql);
        Bind(select, "$before", createdBefore);
        Bind(select, "$limit", batchSize);
        return ReadIds(select);
    }, cancellationToken);

    private const string StillFinishedSql = """
        SELECT workflow_uuid FROM workflow_status
        WHERE workflow_uuid IN (SELECT value FROM json_each($ids)) AND status NOT IN ('PENDING', 'ENQUEUED', 'DELAYED')
        """;

    public Task<int> DeleteFinishedWorkflowsAsync(IReadOnlyList<string> workflowIds, CancellationToken cancellationToken)
        => workflowIds.Count == 0 ? Task.FromResult(0) : RunInTransactionAsync(connection =>
        {
            var select = Command(connection, StillFinishedSql);
            Bind(select, "$ids", JsonArray(workflowIds));
            var victims = ReadIds(select);
            return victims.Count == 0 ? 0 : DeleteAll(connection, JsonArray(victims));
        }, cancellationToken);

    private const string CreatedAtOfNewestSql = "SELECT created_at FROM workflow_status ORDER BY created_at DESC LIMIT 1 OFFSET $offset";

    public Task<long?> GetCreatedAtOfNewestAsync(int newerCount, CancellationToken cancellationToken) => RunAsync(connection =>
    {
        var select = Command(connection, CreatedAtOfNewestSql);
        Bind(select, "$offset", newerCount);
        return select.ExecuteScalar() is long createdAt ? createdAt : (long?)null;
    }, cancellationToken);

    private const string WorkflowStatesSql = "SELECT workflow_uuid, status, owner_xid FROM workflow_status WHERE workflow_uuid IN (SELECT value FROM json_each($ids))";

    public Task<IReadOnlyList<WorkflowState>> GetWorkflowStatesAsync(IReadOnlyList<string> workflowIds, CancellationToken cancellationToken) => RunAsync<IReadOnlyList<WorkflowState>>(connection =>
    {
        var select = Command(connection, WorkflowStatesSql);
        Bind(select, "$ids", JsonArray(workflowIds));
        var states = new List<WorkflowState>();
        using var reader = select.ExecuteReader();
        while (reader.Read())
        {
            states.Add(new WorkflowState(reader.GetString(0), NullableString(reader, 1), NullableString(reader, 2)));
        }

        return states;
    }, cancellationToken);

    private static IReadOnlyList<string> ReadIds(SqliteCommand command)
    {
        var ids = new List<string>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    private static string JsonArray(IEnumerable<string> values)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var value in values)
            {
                writer.WriteStringValue(value);
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
