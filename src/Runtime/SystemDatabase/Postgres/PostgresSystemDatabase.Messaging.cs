using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Dbos.SystemDatabase.Postgres;

/// <summary>Messages, events and the LISTEN connection that wakes waiters.</summary>
internal sealed partial class PostgresSystemDatabase
{
    /// <summary>The DBOS notification channels (the same in every DBOS SDK).</summary>
    internal const string NotificationsChannel = "dbos_notifications_channel";

    internal const string WorkflowEventsChannel = "dbos_workflow_events_channel";

    private readonly CancellationTokenSource _listenerStop = new();
    private Task _listener = Task.CompletedTask;
    private volatile bool _listenerConnected;
    private string? _sendMessageSql;
    private string? _peekMessageSql;
    private string? _consumeMessageSql;
    private string? _setEventSql;
    private string? _getEventSql;

    // The message's created_at is later than every earlier message to the same destination and topic, so messages sent
    // one after another stay in FIFO order even within one millisecond. The notifications trigger NOTIFYs at commit.
    // Inside a workflow ($6) the send is a checkpoint, fenced by the sender's owner token ($11).
    private const string SendMessageSql = """
        WITH fence AS (
            SELECT status, owner_xid FROM {schema}.workflow_status WHERE workflow_uuid = $6
        ), fenced AS (
            SELECT $6::text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM fence WHERE status = 'PENDING' AND owner_xid = $11) AS refused
        ), op AS (
            INSERT INTO {schema}.operation_outputs (workflow_uuid, function_id, function_name, started_at_epoch_ms, completed_at_epoch_ms, application_name)
            SELECT $6, $7, $8, $9, $9, $10 FROM fenced WHERE $6::text IS NOT NULL AND NOT fenced.refused
            ON CONFLICT (workflow_uuid, function_id) DO NOTHING
            RETURNING 1
        ), go AS (
            SELECT $6::text IS NULL OR EXISTS (SELECT 1 FROM op) AS ok
        ), msg AS (
            INSERT INTO {schema}.notifications (message_uuid, destination_uuid, topic, message, serialization, created_at_epoch_ms)
            SELECT $1, $2, $3, $4, $5, GREATEST($9, COALESCE((SELECT max(created_at_epoch_ms) + 1 FROM {schema}.notifications WHERE destination_uuid = $2 AND topic = $3), 0))
            FROM go WHERE go.ok
            ON CONFLICT (message_uuid) DO NOTHING
            RETURNING 1
        )
        SELECT go.ok, fenced.refused, (SELECT status FROM fence) FROM go, fenced
        """;

    public async Task<OperationRecord?> SendMessageAsync(string destinationId, string topic, string message, string serialization, string messageUuid, string? senderWorkflowId, string? senderOwnerXid, OperationRecord? operation, CancellationToken cancellationToken)
    {
        var sender = operation is null ? null : senderWorkflowId;
        await using var command = _dataSource.CreateCommand(_sendMessageSql ??= Qualify(SendMessageSql));
        command.Parameters.Add(Text(messageUuid));
        command.Parameters.Add(Text(destinationId));
        command.Parameters.Add(Text(topic));
        command.Parameters.Add(Text(message));
        command.Parameters.Add(Text(serialization));
        command.Parameters.Add(Text(sender));
        command.Parameters.Add(Int(operation?.FunctionId ?? 0));
        command.Parameters.Add(Text(operation?.FunctionName));
        command.Parameters.Add(BigInt(NowMs()));
        command.Parameters.Add(Text(_applicationName));
        command.Parameters.Add(Text(senderOwnerXid));
        bool sent;
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (reader.GetBoolean(1))
            {
                throw WorkflowFence.Refused(sender!, GetString(reader, 2));
            }

            sent = reader.GetBoolean(0);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            throw new NonExistentWorkflowException(destinationId);
        }

        return sent || operation is null || sender is null ? null : await ReadOperationAsync(sender, operation.FunctionId, cancellationToken).ConfigureAwait(false);
    }

    // FIFO as DBOS TypeScript receives: ORDER BY created_at_epoch_ms alone. No column orders the messages other senders
    // (the TS client, dbos.send_message) insert in one millisecond, and the schema is DBOS's, so ties are left to
    // PostgreSQL, which returns them in the order it reads them: heap order, i.e. insertion order for rows never updated
    // (unconsumed messages are not) unless vacuumed space is reused, the same order a TypeScript receiver gets. A
    // message_uuid tie-break scrambled them (random for other senders); ctid would only restate heap order, and is not
    // insertion order for updated rows. Our own sends never tie: each takes a created_at after the last one to the same
    // destination and topic.
    private const string PeekMessageSql = """
        SELECT message_uuid, message, serialization FROM {schema}.notifications
        WHERE destination_uuid = $1 AND topic = $2 AND consumed = FALSE
        ORDER BY created_at_epoch_ms
        LIMIT 1
        """;

    public async Task<StoredMessage?> PeekMessageAsync(string workflowId, string topic, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(_peekMessageSql ??= Qualify(PeekMessageSql));
        command.Parameters.Add(Text(workflowId));
        command.Parameters.Add(Text(topic));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new StoredMessage(reader.GetString(0), reader.GetString(1), GetString(reader, 2))
            : null;
    }

    // The message row is locked first: a concurrent consumer of the same message waits, then finds it consumed.
    // Fenced by the receiver's owner token ($14): a refused receive consumes nothing.
    private const string ConsumeMessageSql = "WITH " + FenceCte + """
        , m AS (
            SELECT message, serialization FROM {schema}.notifications
            WHERE message_uuid = $2 AND destination_uuid = $1 AND consumed = FALSE
              AND EXISTS (SELECT 1 FROM fence WHERE fence.status = 'PENDING' AND fence.owner_xid = $14)
            FOR UPDATE
        ), op AS (
            INSERT INTO {schema}.operation_outputs (workflow_uuid, function_id, function_name, output, serialization,
                started_at_epoch_ms, completed_at_epoch_ms, application_name)
            SELECT $1, $3, $4, m.message, m.serialization, $5, $6, $7 FROM m
            ON CONFLICT (workflow_uuid, function_id) DO NOTHING
            RETURNING 1
        ), upd AS (
            UPDATE {schema}.notifications SET consumed = TRUE, consumed_by_function_id = $3
            WHERE message_uuid = $2 AND EXISTS (SELECT 1 FROM op)
            RETURNING 1
        ), timeout AS (
            INSERT INTO {schema}.operation_outputs (workflow_uuid, function_id, function_name, output, serialization,
                started_at_epoch_ms, completed_at_epoch_ms, application_name)
            SELECT $1, $8, $9, $10, $11, $12, $13, $7 WHERE $8::integer IS NOT NULL AND EXISTS (SELECT 1 FROM op)
            ON CONFLICT (workflow_uuid, function_id) DO NOTHING
        )
        SELECT EXISTS (SELECT 1 FROM op), EXISTS (SELECT 1 FROM upd),
            NOT EXISTS (SELECT 1 FROM fence WHERE fence.status = 'PENDING' AND fence.owner_xid = $14), (SELECT status FROM fence)
        """;

    public async Task<ConsumeResult> ConsumeMessageAsync(string workflowId, string ownerXid, string messageUuid, OperationRecord operation, OperationRecord? timeout, CancellationToken cancellationToken)
    {
        await using (var command = _dataSource.CreateCommand(_consumeMessageSql ??= Qualify(ConsumeMessageSql)))
        {
            command.Parameters.Add(Text(workflowId));
            command.Parameters.Add(Text(messageUuid));
            command.Parameters.Add(Int(operation.FunctionId));
            command.Parameters.Add(Text(operation.FunctionName));
            command.Parameters.Add(BigInt(operation.StartedAt));
            command.Parameters.Add(BigInt(operation.CompletedAt));
            command.Parameters.Add(Text(_applicationName));
            command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer, Value = timeout is null ? DBNull.Value : timeout.FunctionId });
            command.Parameters.Add(Text(timeout?.FunctionName));
            command.Parameters.Add(Text(timeout?.Output));
            command.Parameters.Add(Text(timeout?.Serialization));
            command.Parameters.Add(BigInt(timeout?.StartedAt));
            command.Parameters.Add(BigInt(timeout?.CompletedAt));
            command.Parameters.Add(Text(ownerXid));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (reader.GetBoolean(2))
            {
                throw WorkflowFence.Refused(workflowId, GetString(reader, 3));
            }

            if (reader.GetBoolean(0))
            {
                return new ConsumeResult(true, null);
            }
        }

        return new ConsumeResult(false, await ReadOperationAsync(workflowId, operation.FunctionId, cancellationToken).ConfigureAwait(false));
    }

    // Upsert, history row and (inside a workflow) the operation record commit together; NOTIFY is delivered at commit.
    // Inside a workflow ($6 set) the write is fenced by the owner token ($9); from a step ($9 NULL) it is not.
    private const string SetEventSql = "WITH " + FenceCte + """
        , fenced AS (
            SELECT $9::text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM fence WHERE fence.status = 'PENDING' AND fence.owner_xid = $9) AS refused
        ), op AS (
            INSERT INTO {schema}.operation_outputs (workflow_uuid, function_id, function_name, started_at_epoch_ms, completed_at_epoch_ms, application_name)
            SELECT $1, $2, $6, $7, $7, $8 FROM fenced WHERE $6::text IS NOT NULL AND NOT fenced.refused
            ON CONFLICT (workflow_uuid, function_id) DO NOTHING
            RETURNING 1
        ), go AS (
            SELECT NOT fenced.refused AND ($6::text IS NULL OR EXISTS (SELECT 1 FROM op)) AS ok FROM fenced
        ), ev AS (
            INSERT INTO {schema}.workflow_events (workflow_uuid, key, value, serialization)
            SELECT $1, $3, $4, $5 FROM go WHERE go.ok
            ON CONFLICT (workflow_uuid, key) DO UPDATE SET value = EXCLUDED.value, serialization = EXCLUDED.serialization
            RETURNING 1
        ), hist AS (
            INSERT INTO {schema}.workflow_events_history (workflow_uuid, function_id, key, value, serialization)
            SELECT $1, $2, $3, $4, $5 FROM go WHERE go.ok
            ON CONFLICT (workflow_uuid, function_id, key) DO UPDATE SET value = EXCLUDED.value, serialization = EXCLUDED.serialization
            RETURNING 1
        )
        SELECT go.ok, (SELECT count(*) FROM (SELECT pg_notify('dbos_workflow_events_channel', $1 || '::' || $3) WHERE go.ok) AS n),
            fenced.refused, (SELECT status FROM fence)
        FROM go, fenced
        """;

    public async Task<OperationRecord?> SetEventAsync(string workflowId, string? ownerXid, string key, string value, string serialization, int functionId, OperationRecord? operation, CancellationToken cancellationToken)
    {
        await using (var command = _dataSource.CreateCommand(_setEventSql ??= Qualify(SetEventSql)))
        {
            command.Parameters.Add(Text(workflowId));
            command.Parameters.Add(Int(functionId));
            command.Parameters.Add(Text(key));
            command.Parameters.Add(Text(value));
            command.Parameters.Add(Text(serialization));
            command.Parameters.Add(Text(operation?.FunctionName));
            command.Parameters.Add(BigInt(operation?.StartedAt ?? NowMs()));
            command.Parameters.Add(Text(_applicationName));
            command.Parameters.Add(Text(operation is null ? null : ownerXid));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (reader.GetBoolean(2))
            {
                throw WorkflowFence.Refused(workflowId, GetString(reader, 3));
            }

            if (reader.GetBoolean(0) || operation is null)
            {
                return null;
            }
        }

        return await ReadOperationAsync(workflowId, operation.FunctionId, cancellationToken).ConfigureAwait(false);
    }

    private const string GetEventSql = "SELECT value, serialization FROM {schema}.workflow_events WHERE workflow_uuid = $1 AND key = $2";

    public async Task<StoredValue?> GetEventAsync(string workflowId, string key, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(_getEventSql ??= Qualify(GetEventSql));
        command.Parameters.Add(Text(workflowId));
        command.Parameters.Add(Text(key));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? new StoredValue(reader.GetString(0), GetString(reader, 1)) : null;
    }

    private async Task<OperationRecord?> ReadOperationAsync(string workflowId, int functionId, CancellationToken cancellationToken)
    {
        await using var read = _dataSource.CreateCommand(_getOperationSql);
        read.Parameters.Add(Text(workflowId));
        read.Parameters.Add(Int(functionId));
        await using var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadOperation(reader, 0) : null;
    }

    public bool NotifiesOtherProcesses => true;

    public bool? ListenerConnected => _listenerConnected;

    // Session locks on the listener connection mark this runtime alive: the instance's key (in its owner tokens) and
    // its executor id's key. The instance key is random, so taking it never waits; the executor key may be held by
    // another live runtime with the same executor id, which is only worth a warning.
    private const string TakeLivenessLocksSql = "SELECT pg_try_advisory_lock($1, $2), pg_try_advisory_lock($3, $4)";

    // An advisory lock taken with two int4 keys shows in pg_locks as classid = key1, objid = key2 (as oids), objsubid = 2.
    private const string InstanceGoneSql = """
        SELECT NOT EXISTS (
            SELECT 1 FROM pg_catalog.pg_locks
            WHERE locktype = 'advisory' AND granted AND objsubid = 2 AND classid = $1::oid AND objid = $2::oid
              AND database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database()))
        """;

    private const string ServerKeepaliveSql = "SET tcp_keepalives_idle = 30; SET tcp_keepalives_interval = 10; SET tcp_keepalives_count = 3";

    private async Task ReleaseLivenessLocksAsync(NpgsqlConnection connection)
    {
        try
        {
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock_all()", connection);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await unlock.ExecuteNonQueryAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or OperationCanceledException or System.IO.IOException)
        {
            _logger.LogDebug(e, "Could not release the liveness locks before closing the listener connection; closing it releases them.");
        }
    }

    public async Task<bool> IsInstanceGoneAsync(string instanceId, CancellationToken cancellationToken)
    {
        var (high, low) = Internal.OwnerTokens.LockKeys(instanceId);
        await using var command = _dataSource.CreateCommand(InstanceGoneSql);
        command.Parameters.Add(BigInt((uint)high));
        command.Parameters.Add(BigInt((uint)low));
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>One dedicated connection LISTENs on the DBOS channels for the life of the runtime, reconnecting with
    /// backoff, and holds the liveness locks of <paramref name="instance"/>. Returns once the first LISTEN is in place
    /// (or failed; the loop keeps trying).</summary>
    public async Task<bool> StartListeningAsync(LiveInstance instance, Action<string> onMessage, Action<string> onEvent, Action<string> onQueue, Action onReconnect, CancellationToken stopping)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, _listenerStop.Token);
        var ready = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        _listener = Task.Run(() => ListenAsync(instance, onMessage, onEvent, onQueue, onReconnect, ready, linked), CancellationToken.None);
        var first = await Task.WhenAny(ready.Task, Task.Delay(_options.ConnectTimeout, CancellationToken.None)).ConfigureAwait(false);
        return first != ready.Task || ready.Task.Result;
    }

    private async Task ListenAsync(LiveInstance instance, Action<string> onMessage, Action<string> onEvent, Action<string> onQueue, Action onReconnect, TaskCompletionSource<bool> ready, CancellationTokenSource stop)
    {
        using var _ = stop;
        var token = stop.Token;
        var settings = new NpgsqlConnectionStringBuilder(_settings.ConnectionString) { Pooling = false, KeepAlive = 30, ApplicationName = "dbos-listener" };
        var instanceKeys = Internal.OwnerTokens.LockKeys(instance.InstanceId);
        var executorKeys = Internal.OwnerTokens.ExecutorLockKeys(_schema, instance.ExecutorId);
        var delay = TimeSpan.FromMilliseconds(100);
        var lostConnection = false;
        while (!token.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(settings.ConnectionString);
                connection.Notification += (_, e) =>
                {
                    if (e.Channel == NotificationsChannel)
                    {
                        onMessage(e.Payload);
                    }
                    else if (e.Channel == WorkflowEventsChannel)
                    {
                        onEvent(e.Payload);
                    }
                    else if (e.Channel == QueueChannel)
                    {
                        onQueue(e.Payload);
                    }
                };
                await connection.OpenAsync(token).ConfigureAwait(false);

                // The server notices a vanished client (a machine that died, a cut network) within about a minute instead
                // of the operating system's default of hours, and releases its liveness locks.
                await using (var keepalive = new NpgsqlCommand(ServerKeepaliveSql, connection))
                {
                    await keepalive.ExecuteNonQueryAsync(token).ConfigureAwait(false);
                }

                await using (var listen = new NpgsqlCommand($"LISTEN {NotificationsChannel}; LISTEN {WorkflowEventsChannel}; LISTEN {QueueChannel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(token).ConfigureAwait(false);
                }

                bool executorIdFree;
                await using (var locks = new NpgsqlCommand(TakeLivenessLocksSql, connection))
                {
                    locks.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer, Value = instanceKeys.High });
                    locks.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer, Value = instanceKeys.Low });
                    locks.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer, Value = executorKeys.High });
                    locks.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer, Value = executorKeys.Low });
                    await using var reader = await locks.ExecuteReaderAsync(token).ConfigureAwait(false);
                    await reader.ReadAsync(token).ConfigureAwait(false);
                    executorIdFree = reader.GetBoolean(1);
                }

                _listenerConnected = true;
                ready.TrySetResult(executorIdFree);
                if (lostConnection)
                {
                    onReconnect(); // notifications sent while we were away are lost: everyone looks again
                    lostConnection = false;
                }

                delay = TimeSpan.FromMilliseconds(100);
                try
                {
                    while (true)
                    {
                        await connection.WaitAsync(token).ConfigureAwait(false);
                    }
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    // A clean stop: release the liveness locks before closing, so other processes see this runtime gone at once.
                    await ReleaseLivenessLocksAsync(connection).ConfigureAwait(false);
                    throw;
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is NpgsqlException or System.IO.IOException or TimeoutException or InvalidOperationException)
            {
                _listenerConnected = false;
                _logger.LogWarning(e, "The notification listener lost its connection to {Database}; reconnecting in {Delay} ms (waiters poll meanwhile).", Description, (int)delay.TotalMilliseconds);
                lostConnection = true;
                onReconnect();
                try
                {
                    await Task.Delay(delay, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                delay = TimeSpan.FromMilliseconds(Math.Min(5000, delay.TotalMilliseconds * 2));
            }
        }

        _listenerConnected = false;
    }
}
