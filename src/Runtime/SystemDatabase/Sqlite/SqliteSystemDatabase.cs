using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Dbos.SystemDatabase.Sqlite;

/// <summary>
/// The system database in a SQLite file (WAL mode): the default for development and samples. One connection per
/// runtime, used by one operation at a time, with its statements prepared once; other processes on the same file
/// are serialized by SQLite's locks (busy timeout 30 s). <c>synchronous=NORMAL</c>: a commit survives a process
/// crash (the WAL is in the OS page cache), not a power cut.
/// </summary>
internal sealed partial class SqliteSystemDatabase : ISystemDatabase
{
    private readonly string _path;
    private readonly DbosOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);
    private SqliteConnection? _connection;
    private SqliteLiveness? _liveness;
    private bool _disposed;

    public SqliteSystemDatabase(string path, DbosOptions options, ILogger logger)
    {
        _path = path;
        _options = options;
        _logger = logger;
    }

    public string Engine => "sqlite";

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var connection = Connection();
            using var check = connection.CreateCommand();
            check.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'dbos_migrations'";
            if (check.ExecuteScalar() is not null)
            {
                check.CommandText = "SELECT MAX(version) FROM dbos_migrations";
                if (check.ExecuteScalar() is long version && version >= SqliteSchema.Version)
                {
                    return;
                }
            }

            Execute(connection, "BEGIN IMMEDIATE");
            try
            {
                Execute(connection, SqliteSchema.Create);
                Execute(connection, "COMMIT");
            }
            catch
            {
                Execute(connection, "ROLLBACK");
                throw;
            }

            _logger.LogInformation("SQLite system database ready at {Path} (schema version {Version}).", _path, SqliteSchema.Version);
        }
        finally
        {
            _gate.Release();
        }
    }

    private const string PingSql = "SELECT MAX(version) FROM dbos_migrations";

    /// <summary>The runtime keeps one connection open: a file deleted under it would take every later write with it.</summary>
    public Task PingAsync(CancellationToken cancellationToken) => RunAsync(connection =>
    {
        if (!File.Exists(_path))
        {
            throw new FileNotFoundException(
                $"The SQLite system database file '{_path}' no longer exists; this process still writes to the deleted file, and its " +
                "checkpoints are lost when it exits. Restore the file or restart the application.", _path);
        }

        return Command(connection, PingSql).ExecuteScalar();
    }, cancellationToken);

    public async Task<long?> ReadSchemaVersionAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(_path))
        {
            return null; // opening it would create the file
        }

        return await RunAsync<long?>(connection =>
        {
            using var check = connection.CreateCommand();
            check.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'dbos_migrations'";
            if (check.ExecuteScalar() is null)
            {
                return null;
            }

            check.CommandText = "SELECT MAX(version) FROM dbos_migrations";
            return check.ExecuteScalar() is long version ? version : 0;
        }, cancellationToken).ConfigureAwait(false);
    }

    private const string ListTablesSql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'";

    public async Task DropSchemaAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(_path))
        {
            return;
        }

        await RunAsync(connection =>
        {
            var tables = new List<string>();
            using (var list = connection.CreateCommand())
            {
                list.CommandText = ListTablesSql;
                using var reader = list.ExecuteReader();
                while (reader.Read())
                {
                    tables.Add(reader.GetString(0));
                }
            }

            // Dropped in one transaction with foreign keys off, so their order does not matter.
            Execute(connection, "PRAGMA foreign_keys=OFF");
            Execute(connection, "BEGIN IMMEDIATE");
            try
            {
                foreach (var table in tables)
                {
                    using var drop = connection.CreateCommand();
                    drop.CommandText = "DROP TABLE IF EXISTS \"" + table.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
                    drop.ExecuteNonQuery();
                }

                Execute(connection, "COMMIT");
            }
            catch
            {
                Rollback(connection);
                throw;
            }
            finally
            {
                Execute(connection, "PRAGMA foreign_keys=ON");
            }

            return 0;
        }, cancellationToken).ConfigureAwait(false);
    }

    public bool? ListenerConnected => null;

    private const string InsertStatusSql = """
        INSERT INTO workflow_status (workflow_uuid, status, name, class_name, config_name, authenticated_user, assumed_role, authenticated_roles,
            request, executor_id, application_version, application_name, created_at, updated_at, recovery_attempts, queue_name,
            workflow_timeout_ms, workflow_deadline_epoch_ms, parent_workflow_id, owner_xid, serialization, started_at_epoch_ms, attributes,
            deduplication_id, priority, queue_partition_key, delay_until_epoch_ms, schedule_name)
        VALUES ($id, $status, $name, $class, $config, $user, $role, $roles, $request, $executor, $version, $app, $now, $now, $attempts, $queue,
            $timeout, $deadline, $parent, $owner, $serialization, CASE WHEN $status = 'PENDING' THEN $now END, $attributes,
            $dedup, COALESCE($priority, 0), $partition, $delay, $schedule)
        ON CONFLICT (workflow_uuid) DO UPDATE SET updated_at = excluded.updated_at
        RETURNING status, name, class_name, config_name, queue_name, owner_xid, workflow_deadline_epoch_ms, serialization
        """;

    private const string InsertInputSql = "INSERT INTO workflow_input (workflow_uuid, inputs, retention_timestamp) VALUES ($id, $inputs, $now) ON CONFLICT (workflow_uuid) DO NOTHING";

    public Task<InsertWorkflowResult> InsertWorkflowStatusAsync(WorkflowStatusInsert row, CancellationToken cancellationToken) => RunInTransactionAsync(connection =>
    {
        var insert = Command(connection, InsertStatusSql);
        Bind(insert, "$id", row.WorkflowId);
        Bind(insert, "$status", row.Status);
        Bind(insert, "$name", row.Name);
        Bind(insert, "$class", row.ClassName);
        Bind(insert, "$config", row.ConfigName);
        Bind(insert, "$user", row.AuthenticatedUser);
        Bind(insert, "$role", row.AssumedRole);
        Bind(insert, "$roles", row.AuthenticatedRoles);
        Bind(insert, "$request", row.Request);
        Bind(insert, "$executor", row.ExecutorId);
        Bind(insert, "$version", row.ApplicationVersion);
        Bind(insert, "$app", row.ApplicationName);
        Bind(insert, "$now", row.CreatedAt);
        Bind(insert, "$attempts", row.RecoveryAttempts);
        Bind(insert, "$queue", row.QueueName);
        Bind(insert, "$timeout", row.TimeoutMs);
        Bind(insert, "$deadline", row.DeadlineEpochMs);
        Bind(insert, "$parent", row.ParentWorkflowId);
        Bind(insert, "$owner", row.OwnerXid);
        Bind(insert, "$serialization", row.Serialization);
        Bind(insert, "$attributes", row.Attributes);
        Bind(insert, "$dedup", row.DeduplicationId);
        Bind(insert, "$priority", row.Priority);
        Bind(insert, "$partition", row.PartitionKey);
        Bind(insert, "$delay", row.DelayUntilEpochMs);
        Bind(insert, "$schedule", row.ScheduleName);
        InsertWorkflowResult result;
        SqliteDataReader reader;
        try
        {
            reader = insert.ExecuteReader();
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 19 && row.DeduplicationId is not null && e.Message.Contains("deduplication_id", StringComparison.Ordinal))
        {
            throw new QueueDeduplicatedException(row.WorkflowId, row.QueueName ?? string.Empty, row.DeduplicationId);
        }

        using (reader)
        {
            reader.Read();
            var owner = NullableString(reader, 5);
            result = new InsertWorkflowResult(
                reader.GetString(0),
                NullableString(reader, 1),
                NullableString(reader, 2),
                NullableString(reader, 3),
                NullableString(reader, 4),
                owner,
                NullableLong(reader, 6),
                NullableString(reader, 7),
                string.Equals(owner, row.OwnerXid, StringComparison.Ordinal));
        }

        if (result.Inserted)
        {
            var input = Command(connection, InsertInputSql);
            Bind(input, "$id", row.WorkflowId);
            Bind(input, "$inputs", row.Inputs);
            Bind(input, "$now", row.CreatedAt);
            input.ExecuteNonQuery();
        }
        return result;
    }, cancellationToken);

    private const string FinishSql = """
        UPDATE workflow_status SET status = $status, updated_at = $now, completed_at = $now, deduplication_id = NULL
        WHERE workflow_uuid = $id AND status = 'PENDING' AND owner_xid = $owner
        """;

    private const string OutputSql = """
        INSERT INTO workflow_output (workflow_uuid, output, error, retention_timestamp) VALUES ($id, $output, $error, $now)
        ON CONFLICT (workflow_uuid) DO UPDATE SET output = excluded.output, error = excluded.error
        """;

    public Task<bool> RecordWorkflowOutcomeAsync(string workflowId, string ownerXid, WorkflowOutcome outcome, CancellationToken cancellationToken) => RunInTransactionAsync(connection =>
    {
        var update = Command(connection, FinishSql);
        Bind(update, "$status", outcome.Status);
        Bind(update, "$now", outcome.CompletedAt);
        Bind(update, "$id", workflowId);
        Bind(update, "$owner", ownerXid);
        var matched = update.ExecuteNonQuery() == 1;
        if (matched)
        {
            var output = Command(connection, OutputSql);
            Bind(output, "$id", workflowId);
            Bind(output, "$output", outcome.Output);
            Bind(output, "$error", outcome.Error);
            Bind(output, "$now", outcome.CompletedAt);
            output.ExecuteNonQuery();
        }
        return matched;
    }, cancellationToken);

    private const string StatusColumns = """
        ws.workflow_uuid, ws.status, ws.name, ws.class_name, ws.config_name, ws.authenticated_user, ws.assumed_role, ws.authenticated_roles,
        ws.request, ws.executor_id, ws.application_version, ws.application_name, ws.created_at, ws.updated_at, ws.recovery_attempts,
        ws.queue_name, ws.workflow_timeout_ms, ws.workflow_deadline_epoch_ms, ws.parent_workflow_id, ws.owner_xid, ws.serialization, ws.completed_at,
        ws.attributes
        """;

    private const string GetStatusSql = $"SELECT {StatusColumns}, NULL, NULL, NULL FROM workflow_status ws WHERE ws.workflow_uuid = $id";

    private const string GetStatusWithPayloadsSql = $"""
        SELECT {StatusColumns}, COALESCE(wi.inputs, ws.inputs), COALESCE(wo.output, ws.output), COALESCE(wo.error, ws.error)
        FROM workflow_status ws
        LEFT JOIN workflow_input wi ON wi.workflow_uuid = ws.workflow_uuid
        LEFT JOIN workflow_output wo ON wo.workflow_uuid = ws.workflow_uuid
        WHERE ws.workflow_uuid = $id
        """;

    public Task<WorkflowStatusRow?> GetWorkflowStatusAsync(string workflowId, bool loadPayloads, CancellationToken cancellationToken) => RunAsync(connection =>
    {
        var select = Command(connection, loadPayloads ? GetStatusWithPayloadsSql : GetStatusSql);
        Bind(select, "$id", workflowId);
        using var reader = select.ExecuteReader();
        return reader.Read() ? ReadStatus(reader) : null;
    }, cancellationToken);

    private static WorkflowStatusRow ReadStatus(SqliteDataReader reader) => new(
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
        NullableString(reader, 11),
        reader.GetInt64(12),
        reader.GetInt64(13),
        NullableLong(reader, 14) ?? 0,
        NullableString(reader, 15),
        NullableLong(reader, 16),
        NullableLong(reader, 17),
        NullableString(reader, 18),
        NullableString(reader, 19),
        NullableString(reader, 20),
        NullableLong(reader, 21),
        NullableString(reader, 23),
        NullableString(reader, 24),
        NullableString(reader, 25),
        NullableString(reader, 22));

    private const string GetOperationsSql = """
        SELECT function_id, function_name, output, error, serialization, child_workflow_id, started_at_epoch_ms, completed_at_epoch_ms
        FROM operation_outputs WHERE workflow_uuid = $id ORDER BY function_id
        """;

    public Task<IReadOnlyList<OperationRecord>> GetOperationsAsync(string workflowId, CancellationToken cancellationToken) => RunAsync<IReadOnlyList<OperationRecord>>(connection =>
    {
        var select = Command(connection, GetOperationsSql);
        Bind(select, "$id", workflowId);
        var records = new List<OperationRecord>();
        using var reader = select.ExecuteReader();
        while (reader.Read())
        {
            records.Add(ReadOperation(reader));
        }

        return records;
    }, cancellationToken);

    private static OperationRecord ReadOperation(SqliteDataReader reader) => new(
        reader.GetInt32(0),
        reader.GetString(1),
        NullableString(reader, 2),
        NullableString(reader, 3),
        NullableString(reader, 4),
        NullableString(reader, 5),
        NullableLong(reader, 6),
        NullableLong(reader, 7));

    // Fenced: written only while the workflow is PENDING and owned by $owner (one statement; SQLite serializes writers).
    private const string RecordOperationSql = """
        INSERT INTO operation_outputs (workflow_uuid, function_id, function_name, output, error, serialization, child_workflow_id,
            started_at_epoch_ms, completed_at_epoch_ms, application_name, retention_timestamp)
        SELECT $id, $fid, $name, $output, $error, $serialization, $child, $started, $completed, $app, $completed
        WHERE EXISTS (SELECT 1 FROM workflow_status WHERE workflow_uuid = $id AND status = 'PENDING' AND owner_xid = $owner)
        ON CONFLICT (workflow_uuid, function_id) DO NOTHING
        """;

    private const string FenceSql = "SELECT status, owner_xid FROM workflow_status WHERE workflow_uuid = $id";

    private const string GetOperationSql = """
        SELECT function_id, function_name, output, error, serialization, child_workflow_id, started_at_epoch_ms, completed_at_epoch_ms
        FROM operation_outputs WHERE workflow_uuid = $id AND function_id = $fid
        """;

    public Task<OperationRecord?> RecordOperationAsync(string workflowId, string ownerXid, OperationRecord operation, CancellationToken cancellationToken)
        => RunAsync(connection => InsertOperation(connection, workflowId, ownerXid, operation), cancellationToken);

    private const string PendingSql = """
        SELECT workflow_uuid, name, class_name, owner_xid, recovery_attempts, queue_name FROM workflow_status
        WHERE status = 'PENDING' AND executor_id = $executor AND application_version = $version
        ORDER BY created_at
        """;

    public Task<IReadOnlyList<PendingWorkflow>> GetPendingWorkflowsAsync(string executorId, string applicationVersion, CancellationToken cancellationToken) => RunAsync<IReadOnlyList<PendingWorkflow>>(connection =>
    {
        var select = Command(connection, PendingSql);
        Bind(select, "$executor", executorId);
        Bind(select, "$version", applicationVersion);
        var pending = new List<PendingWorkflow>();
        using var reader = select.ExecuteReader();
        while (reader.Read())
        {
            pending.Add(new PendingWorkflow(reader.GetString(0), NullableString(reader, 1), NullableString(reader, 2), NullableString(reader, 3), NullableLong(reader, 4) ?? 0, NullableString(reader, 5)));
        }

        return pending;
    }, cancellationToken);

    // Our owner tokens are 'dn1:' + 16 hex digits of the instance + ':' + 16 more (OwnerTokens); substr takes the instance.
    private const string PendingOwnerInstancesSql = """
        SELECT DISTINCT substr(owner_xid, 5, 16) FROM workflow_status
        WHERE status = 'PENDING' AND owner_xid LIKE 'dn1:%' AND length(owner_xid) = 37 AND application_version = $version
          AND substr(owner_xid, 5, 16) <> $except
        """;

    public Task<IReadOnlyList<string>> GetPendingOwnerInstancesAsync(string applicationVersion, string exceptInstance, CancellationToken cancellationToken) => RunAsync<IReadOnlyList<string>>(connection =>
    {
        var select = Command(connection, PendingOwnerInstancesSql);
        Bind(select, "$version", applicationVersion);
        Bind(select, "$except", exceptInstance);
        var instances = new List<string>();
        using var reader = select.ExecuteReader();
        while (reader.Read())
        {
            instances.Add(reader.GetString(0));
        }

        return instances;
    }, cancellationToken);

    private const string PendingOfInstanceSql = """
        SELECT workflow_uuid, name, class_name, owner_xid, recovery_attempts, queue_name FROM workflow_status
        WHERE status = 'PENDING' AND owner_xid LIKE 'dn1:%' AND length(owner_xid) = 37 AND substr(owner_xid, 5, 16) = $instance
          AND application_version = $version
        ORDER BY created_at
        """;

    public Task<IReadOnlyList<PendingWorkflow>> GetPendingWorkflowsOfInstancesAsync(IReadOnlyList<string> instances, string applicationVersion, CancellationToken cancellationToken) => RunAsync<IReadOnlyList<PendingWorkflow>>(connection =>
    {
        var pending = new List<PendingWorkflow>();
        foreach (var instance in instances)
        {
            var select = Command(connection, PendingOfInstanceSql);
            Bind(select, "$instance", instance);
            Bind(select, "$version", applicationVersion);
            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                pending.Add(new PendingWorkflow(reader.GetString(0), NullableString(reader, 1), NullableString(reader, 2), NullableString(reader, 3), NullableLong(reader, 4) ?? 0, NullableString(reader, 5)));
            }
        }

        return pending;
    }, cancellationToken);

    private const string ClaimSql = """
        UPDATE workflow_status SET owner_xid = $new, executor_id = $executor, recovery_attempts = recovery_attempts + 1, updated_at = $now
        WHERE workflow_uuid = $id AND status = 'PENDING' AND COALESCE(owner_xid, '') = $expected
        """;

    public Task<IReadOnlyList<ClaimedWorkflow>> ClaimForRecoveryAsync(IReadOnlyList<RecoveryClaim> claims, string executorId, CancellationToken cancellationToken)
        => RunInTransactionAsync<IReadOnlyList<ClaimedWorkflow>>(connection =>
        {
            var now = _options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds();
            var claimed = new List<ClaimedWorkflow>();
            foreach (var request in claims)
            {
                var claim = Command(connection, ClaimSql);
                Bind(claim, "$new", request.NewOwnerXid);
                Bind(claim, "$executor", executorId);
                Bind(claim, "$now", now);
                Bind(claim, "$id", request.WorkflowId);
                Bind(claim, "$expected", request.ExpectedOwnerXid ?? string.Empty);
                if (claim.ExecuteNonQuery() == 1)
                {
                    claimed.Add(ReadClaimed(connection, request.WorkflowId));
                }
            }

            return claimed;
        }, cancellationToken);

    private const string DeadLetterSql = """
        UPDATE workflow_status SET status = 'MAX_RECOVERY_ATTEMPTS_EXCEEDED', updated_at = $now, completed_at = $now,
            queue_name = NULL, deduplication_id = NULL, started_at_epoch_ms = NULL
        WHERE workflow_uuid = $id AND status = 'PENDING'
        """;

    public Task MarkMaxRecoveryAttemptsExceededAsync(string workflowId, CancellationToken cancellationToken) => RunAsync(connection =>
    {
        var update = Command(connection, DeadLetterSql);
        Bind(update, "$now", _options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds());
        Bind(update, "$id", workflowId);
        return update.ExecuteNonQuery();
    }, cancellationToken);

    private const string RegisterVersionSql = """
        INSERT INTO application_versions (version_id, version_name, version_timestamp, created_at, application_name)
        VALUES (lower(hex(randomblob(16))), $version, $now, $now, $app)
        ON CONFLICT DO NOTHING
        """;

    private const string IsLatestSql = """
        SELECT version_name FROM application_versions
        WHERE ($app IS NULL AND application_name IS NULL) OR application_name = $app
        ORDER BY version_timestamp DESC LIMIT 1
        """;

    public Task<bool> RegisterApplicationVersionAsync(string version, string? applicationName, CancellationToken cancellationToken) => RunAsync(connection =>
    {
        var insert = Command(connection, RegisterVersionSql);
        Bind(insert, "$version", version);
        Bind(insert, "$now", _options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds());
        Bind(insert, "$app", applicationName);
        insert.ExecuteNonQuery();
        var latest = Command(connection, IsLatestSql);
        Bind(latest, "$app", applicationName);
        return string.Equals(latest.ExecuteScalar() as string, version, StringComparison.Ordinal);
    }, cancellationToken);

    private const string InsertMessageSql = """
        INSERT INTO notifications (message_uuid, destination_uuid, topic, message, serialization, created_at_epoch_ms)
        SELECT $uuid, $destination, $topic, $message, $serialization,
            MAX($now, COALESCE((SELECT MAX(created_at_epoch_ms) + 1 FROM notifications WHERE destination_uuid = $destination AND topic = $topic), 0))
        ON CONFLICT (message_uuid) DO NOTHING
        """;

    private const string WorkflowExistsSql = "SELECT 1 FROM workflow_status WHERE workflow_uuid = $id";

    public Task<OperationRecord?> SendMessageAsync(string destinationId, string topic, string message, string serialization, string messageUuid, string? senderWorkflowId, string? senderOwnerXid, OperationRecord? operation, CancellationToken cancellationToken)
        => RunInTransactionAsync(connection =>
        {
            if (operation is not null && senderWorkflowId is not null && InsertOperation(connection, senderWorkflowId, senderOwnerXid ?? string.Empty, operation) is { } existing)
            {
                return existing;
            }

            var exists = Command(connection, WorkflowExistsSql);
            Bind(exists, "$id", destinationId);
            if (exists.ExecuteScalar() is null)
            {
                throw new NonExistentWorkflowException(destinationId);
            }

            var insert = Command(connection, InsertMessageSql);
            Bind(insert, "$uuid", messageUuid);
            Bind(insert, "$destination", destinationId);
            Bind(insert, "$topic", topic);
            Bind(insert, "$message", message);
            Bind(insert, "$serialization", serialization);
            Bind(insert, "$now", _options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds());
            insert.ExecuteNonQuery();
            return (OperationRecord?)null;
        }, cancellationToken);

    // FIFO: created_at first (as DBOS), then rowid, which SQLite assigns in insertion order, so messages other writers
    // insert in one millisecond are received in the order they were inserted.
    private const string PeekMessageSql = """
        SELECT message_uuid, message, serialization FROM notifications
        WHERE destination_uuid = $id AND topic = $topic AND consumed = 0
        ORDER BY created_at_epoch_ms, rowid LIMIT 1
        """;

    public Task<StoredMessage?> PeekMessageAsync(string workflowId, string topic, CancellationToken cancellationToken) => RunAsync(connection =>
    {
        var select = Command(connection, PeekMessageSql);
        Bind(select, "$id", workflowId);
        Bind(select, "$topic", topic);
        using var reader = select.ExecuteReader();
        return reader.Read() ? new StoredMessage(reader.GetString(0), reader.GetString(1), NullableString(reader, 2)) : null;
    }, cancellationToken);

    private const string ConsumeMessageSql = """
        UPDATE notifications SET consumed = 1, consumed_by_function_id = $fid
        WHERE message_uuid = $uuid AND destination_uuid = $id AND consumed = 0
        """;

    public Task<ConsumeResult> ConsumeMessageAsync(string workflowId, string ownerXid, string messageUuid, OperationRecord operation, OperationRecord? timeout, CancellationToken cancellationToken) => RunAsync(connection =>
    {
        Execute(connection, "BEGIN IMMEDIATE");
        try
        {
            var consume = Command(connection, ConsumeMessageSql);
            Bind(consume, "$fid", operation.FunctionId);
            Bind(consume, "$uuid", messageUuid);
            Bind(consume, "$id", workflowId);
            if (consume.ExecuteNonQuery() == 0)
            {
                Execute(connection, "ROLLBACK");
                return new ConsumeResult(false, ReadOperation(connection, workflowId, operation.FunctionId));
            }

            if (InsertOperation(connection, workflowId, ownerXid, operation) is { } existing)
            {
                // Another execution recorded this receive first: leave the message for it.
                Execute(connection, "ROLLBACK");
                return new ConsumeResult(false, existing);
            }

            if (timeout is not null)
            {
                InsertOperation(connection, workflowId, ownerXid, timeout); // already recorded by another execution: keep that one
            }

            Execute(connection, "COMMIT");
            return new ConsumeResult(true, null);
        }
        catch
        {
            Rollback(connection);
            throw;
        }
    }, cancellationToken);

    private const string UpsertEventSql = """
        INSERT INTO workflow_events (workflow_uuid, key, value, serialization) VALUES ($id, $key, $value, $serialization)
        ON CONFLICT (workflow_uuid, key) DO UPDATE SET value = excluded.value, serialization = excluded.serialization
        """;

    private const string UpsertEventHistorySql = """
        INSERT INTO workflow_events_history (workflow_uuid, function_id, key, value, serialization) VALUES ($id, $fid, $key, $value, $serialization)
        ON CONFLICT (workflow_uuid, function_id, key) DO UPDATE SET value = excluded.value, serialization = excluded.serialization
        """;

    public Task<OperationRecord?> SetEventAsync(string workflowId, string? ownerXid, string key, string value, string serialization, int functionId, OperationRecord? operation, CancellationToken cancellationToken)
        => RunInTransactionAsync(connection =>
        {
            if (operation is not null && InsertOperation(connection, workflowId, ownerXid ?? string.Empty, operation) is { } existing)
            {
                return existing;
            }

            foreach (var sql in new[] { UpsertEventSql, UpsertEventHistorySql })
            {
                var upsert = Command(connection, sql);
                Bind(upsert, "$id", workflowId);
                Bind(upsert, "$key", key);
                Bind(upsert, "$value", value);
                Bind(upsert, "$serialization", serialization);
                if (sql == UpsertEventHistorySql)
                {
                    Bind(upsert, "$fid", functionId);
                }

                upsert.ExecuteNonQuery();
            }
            return (OperationRecord?)null;
        }, cancellationToken);

    private const string GetEventSql = "SELECT value, serialization FROM workflow_events WHERE workflow_uuid = $id AND key = $key";

    public Task<StoredValue?> GetEventAsync(string workflowId, string key, CancellationToken cancellationToken) => RunAsync(connection =>
    {
        var select = Command(connection, GetEventSql);
        Bind(select, "$id", workflowId);
        Bind(select, "$key", key);
        using var reader = select.ExecuteReader();
        return reader.Read() ? new StoredValue(reader.GetString(0), NullableString(reader, 1)) : null;
    }, cancellationToken);

    /// <summary>Other processes on the same file cannot signal this one: waiters poll.</summary>
    public bool NotifiesOtherProcesses => false;

    /// <summary>Nothing to listen to; marks the instance alive with a locked file (see <see cref="SqliteLiveness"/>).</summary>
    public Task<bool> StartListeningAsync(LiveInstance instance, Action<string> onMessage, Action<string> onEvent, Action<string> onQueue, Action onReconnect, CancellationToken stopping)
    {
        _liveness ??= new SqliteLiveness(_path, _logger);
        return Task.FromResult(_liveness.MarkAlive(instance));
    }

    public Task<bool> IsInstanceGoneAsync(string instanceId, CancellationToken cancellationToken)
        => Task.FromResult(new SqliteLiveness(_path, _logger).IsGone(instanceId));

    /// <summary>Inserts the operation unless one is recorded at its function id; returns the recorded one then. Throws
    /// <see cref="WorkflowFence.Refused"/>'s error when the workflow is not PENDING and owned by <paramref name="ownerXid"/>.</summary>
    private OperationRecord? InsertOperation(SqliteConnection connection, string workflowId, string ownerXid, OperationRecord operation)
    {
        var insert = Command(connection, RecordOperationSql);
        Bind(insert, "$id", workflowId);
        Bind(insert, "$owner", ownerXid);
        Bind(insert, "$fid", operation.FunctionId);
        Bind(insert, "$name", operation.FunctionName);
        Bind(insert, "$output", operation.Output);
        Bind(insert, "$error", operation.Error);
        Bind(insert, "$serialization", operation.Serialization);
        Bind(insert, "$child", operation.ChildWorkflowId);
        Bind(insert, "$started", operation.StartedAt);
        Bind(insert, "$completed", operation.CompletedAt ?? operation.StartedAt ?? 0);
        Bind(insert, "$app", _options.ApplicationName);
        if (insert.ExecuteNonQuery() == 1)
        {
            return null;
        }

        var fence = Command(connection, FenceSql);
        Bind(fence, "$id", workflowId);
        using (var reader = fence.ExecuteReader())
        {
            var found = reader.Read();
            var status = found ? NullableString(reader, 0) : null;
            if (!found || status != WorkflowStatuses.Pending || !string.Equals(NullableString(reader, 1), ownerXid, StringComparison.Ordinal))
            {
                throw WorkflowFence.Refused(workflowId, status);
            }
        }

        return ReadOperation(connection, workflowId, operation.FunctionId);
    }

    private OperationRecord? ReadOperation(SqliteConnection connection, string workflowId, int functionId)
    {
        var select = Command(connection, GetOperationSql);
        Bind(select, "$id", workflowId);
        Bind(select, "$fid", functionId);
        using var reader = select.ExecuteReader();
        return reader.Read() ? ReadOperation(reader) : null;
    }

    /// <summary>Runs one operation in a write transaction (BEGIN IMMEDIATE: the write lock is taken up front, so two
    /// processes never deadlock upgrading a read lock); commits when it returns, rolls back when it throws.</summary>
    private Task<T> RunInTransactionAsync<T>(Func<SqliteConnection, T> operation, CancellationToken cancellationToken) => RunAsync(connection =>
    {
        Execute(connection, "BEGIN IMMEDIATE");
        try
        {
            var result = operation(connection);
            Execute(connection, "COMMIT");
            return result;
        }
        catch
        {
            Rollback(connection);
            throw;
        }
    }, cancellationToken);

    /// <summary>Runs one operation on the shared connection. The work is synchronous: on a local file each
    /// statement takes microseconds, less than an async hop would.</summary>
    private async Task<T> RunAsync<T>(Func<SqliteConnection, T> operation, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return operation(Connection());
        }
        finally
        {
            _gate.Release();
        }
    }

    private SqliteConnection Connection()
    {
        if (_connection is not null)
        {
            return _connection;
        }

        try
        {
            var directory = Path.GetDirectoryName(_path);
            if (!string.IsNullOrEmpty(directory))
            {
                Directory.CreateDirectory(directory);
            }

            var connection = new SqliteConnection(new SqliteConnectionStringBuilder
            {
                DataSource = _path,
                Mode = SqliteOpenMode.ReadWriteCreate,
                Pooling = false,
                DefaultTimeout = 30,
            }.ToString());
            connection.Open();
            Execute(connection, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000; PRAGMA foreign_keys=ON;");
            _connection = connection;
            return connection;
        }
        catch (Exception e) when (e is SqliteException or IOException or UnauthorizedAccessException)
        {
            throw new DbosInitializationException(
                $"Cannot open the SQLite system database at '{_path}': {e.Message} Check that the directory exists and is writable, " +
                "or set DbosOptions.SystemDatabaseUrl to another file or a postgresql:// URL.", e);
        }
    }

    private SqliteCommand Command(SqliteConnection connection, string sql)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = connection.CreateCommand();
            command.CommandText = sql;
            _commands.Add(sql, command);
        }

        command.Parameters.Clear();
        return command;
    }

    /// <summary>Runs a statement without parameters; BEGIN/COMMIT are prepared once like the rest.</summary>
    private void Execute(SqliteConnection connection, string sql) => Command(connection, sql).ExecuteNonQuery();

    private void Rollback(SqliteConnection connection)
    {
        try
        {
            Execute(connection, "ROLLBACK");
        }
        catch (SqliteException)
        {
            // The failed statement may already have ended the transaction.
        }
    }

    private static void Bind(SqliteCommand command, string name, object? value)
        => command.Parameters.AddWithValue(name, value ?? DBNull.Value);

    private static string? NullableString(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static long? NullableLong(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt64(ordinal);

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _liveness?.Dispose();
            foreach (var command in _commands.Values)
            {
                command.Dispose();
            }

            _commands.Clear();
            if (_connection is not null)
            {
                await _connection.DisposeAsync().ConfigureAwait(false);
                _connection = null;
            }
        }
        finally
        {
            _gate.Release();
        }
    }
}
