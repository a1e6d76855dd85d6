using System;
using System.Collections.Generic;
using System.Data;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using NpgsqlTypes;

namespace Dbos.SystemDatabase.Postgres;

/// <summary>Queues: configuration rows, delayed workflows, and the dequeue that claims ENQUEUED workflows.</summary>
internal sealed partial class PostgresSystemDatabase
{
    /// <summary>Our channel (not DBOS's: the schema's functions and triggers stay DBOS's): a local enqueue NOTIFYs it with the
    /// queue's name, so dispatchers in other processes dequeue at once instead of at their next poll.</summary>
    internal const string QueueChannel = "dbos_dotnet_queue_channel";

    private const string UpsertQueueSql = """
        INSERT INTO {schema}.queues (name, concurrency, worker_concurrency, rate_limit_max, rate_limit_period_sec, priority_enabled, partition_queue,
            polling_interval_sec, application_name, partition_concurrency, created_at, updated_at)
        VALUES ($1, $2, $3, $4, $5, TRUE, $6, $7, $8, $9, $10, $10)
        ON CONFLICT (name) DO UPDATE SET concurrency = EXCLUDED.concurrency, worker_concurrency = EXCLUDED.worker_concurrency,
            rate_limit_max = EXCLUDED.rate_limit_max, rate_limit_period_sec = EXCLUDED.rate_limit_period_sec, partition_queue = EXCLUDED.partition_queue,
            polling_interval_sec = EXCLUDED.polling_interval_sec, partition_concurrency = EXCLUDED.partition_concurrency, updated_at = EXCLUDED.updated_at
        """;

    public async Task UpsertQueuesAsync(IReadOnlyList<WorkflowQueue> queues, CancellationToken cancellationToken)
    {
        if (queues.Count == 0)
        {
            return;
        }

        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection);
        foreach (var queue in queues)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(Qualify(UpsertQueueSql))
            {
                Parameters =
                {
                    Text(queue.Name), IntOrNull(queue.Concurrency), IntOrNull(queue.WorkerConcurrency), IntOrNull(queue.RateLimit?.Limit),
                    new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Double, Value = queue.RateLimit is { } limit ? limit.Period.TotalSeconds : DBNull.Value },
                    new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Boolean, Value = queue.IsPartitioned },
                    new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Double, Value = queue.PollingInterval.TotalSeconds },
                    Text(_applicationName), IntOrNull(queue.PartitionConcurrency), BigInt(NowMs()),
                },
            });
        }

        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    // The release, and (in the same round trip, from the DELAYED index) when the next delayed workflow of the queue is due.
    private const string ReleaseDelayedSql = """
        WITH released AS (
            UPDATE {schema}.workflow_status SET status = 'ENQUEUED', updated_at = $2
            WHERE status = 'DELAYED' AND queue_name = $1 AND delay_until_epoch_ms <= $2
            RETURNING 1)
        SELECT min(delay_until_epoch_ms) FROM {schema}.workflow_status
        WHERE status = 'DELAYED' AND queue_name = $1 AND delay_until_epoch_ms > $2
        """;

    public async Task<long?> ReleaseDelayedAsync(string queueName, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(_releaseDelayedSql ??= Qualify(ReleaseDelayedSql));
        command.Parameters.Add(Text(queueName));
        command.Parameters.Add(BigInt(NowMs()));
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long next ? next : null;
    }

    // One statement: the budget (this process's, less the queue's PENDING count against its global limit, less its recent starts
    // against its rate limit), the head of the queue in priority then enqueue order, locked, and the claim. Under repeatable read
    // with NOWAIT (a shared limit), two processes dequeuing at once both reach for the head rows and one of them fails: the counts
    // the other saw cannot be stale. The new owner token carries this runtime's instance id (see OwnerTokens).
    private const string DequeueSql = """
        WITH budget AS (
            SELECT LEAST($2::int,
                CASE WHEN $3::int IS NULL THEN $2::int
                     ELSE $3::int - (SELECT count(*) FROM {schema}.workflow_status
                                     WHERE queue_name = $1 AND status = 'PENDING' AND ($10::text IS NULL OR queue_partition_key = $10))::int END,
                CASE WHEN $4::int IS NULL THEN $2::int
                     ELSE $4::int - (SELECT count(*) FROM {schema}.workflow_status
                                     WHERE queue_name = $1 AND rate_limited AND status NOT IN ('ENQUEUED', 'DELAYED') AND started_at_epoch_ms > $5)::int END) AS n
        ), picked AS (
            SELECT workflow_uuid FROM {schema}.workflow_status
            WHERE queue_name = $1 AND status = 'ENQUEUED'
              AND (application_version = $7 OR (application_version IS NULL AND $8))
              AND ($9::text IS NULL OR application_name IS NULL OR application_name = $9)
              AND ($10::text IS NULL OR queue_partition_key = $10)
            ORDER BY priority, created_at
            LIMIT (SELECT GREATEST(n, 0) FROM budget)
            FOR UPDATE {lock}
        ), ws AS (
            UPDATE {schema}.workflow_status w
            SET status = 'PENDING', owner_xid = 'dn1:' || $11 || ':' || substr(md5(random()::text || w.workflow_uuid), 1, 16),
                executor_id = $6, application_version = $7, application_name = COALESCE(w.application_name, $9),
                started_at_epoch_ms = $12, updated_at = $12, rate_limited = $13, recovery_attempts = COALESCE(w.recovery_attempts, 0) + 1,
                workflow_deadline_epoch_ms = CASE WHEN w.workflow_timeout_ms IS NOT NULL AND w.workflow_deadline_epoch_ms IS NULL
                                                  THEN $12 + w.workflow_timeout_ms ELSE w.workflow_deadline_epoch_ms END
            FROM picked
            WHERE w.workflow_uuid = picked.workflow_uuid AND w.status = 'ENQUEUED'
            RETURNING w.*
        )
        SELECT
        """ + " " + StatusColumns + ", " + PayloadColumns + """
        , EXISTS (SELECT 1 FROM {schema}.operation_outputs o WHERE o.workflow_uuid = ws.workflow_uuid)
        FROM ws
        """ + "\n" + PayloadJoins;

    private string? _dequeueSkipLockedSql;
    private string? _dequeueNowaitSql;
    private string? _releaseDelayedSql;
    private string? _partitionsSql;
    private string? _reenqueueSql;

    public async Task<DequeueResult> DequeueAsync(DequeueRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var shared = request.GlobalConcurrency is not null || request.RateLimit is not null;
        var sql = shared
            ? _dequeueNowaitSql ??= Qualify(DequeueSql).Replace("{lock}", "NOWAIT", StringComparison.Ordinal)
            : _dequeueSkipLockedSql ??= Qualify(DequeueSql).Replace("{lock}", "SKIP LOCKED", StringComparison.Ordinal);
        var now = NowMs();
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(shared ? IsolationLevel.RepeatableRead : IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false);
        var rows = new List<WorkflowStatusRow>();
        var withOperations = new List<string>();
        try
        {
            await using (var command = new NpgsqlCommand(sql, connection, transaction))
            {
                command.Parameters.Add(Text(request.QueueName));
                command.Parameters.Add(Int(request.MaxTasks));
                command.Parameters.Add(IntOrNull(request.GlobalConcurrency));
                command.Parameters.Add(IntOrNull(request.RateLimit?.Limit));
                command.Parameters.Add(BigInt(request.RateLimit is { } limit ? now - (long)limit.Period.TotalMilliseconds : 0));
                command.Parameters.Add(Text(request.ExecutorId));
                command.Parameters.Add(Text(request.ApplicationVersion));
                command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Boolean, Value = request.IsLatestVersion });
                command.Parameters.Add(Text(request.ApplicationName));
                command.Parameters.Add(Text(request.PartitionKey));
                command.Parameters.Add(Text(request.InstanceId));
                command.Parameters.Add(BigInt(now));
                command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Boolean, Value = request.RateLimit is not null });
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var row = ReadStatusRow(reader);
                    rows.Add(row);
                    if (reader.GetBoolean(26))
                    {
                        withOperations.Add(row.WorkflowId);
                    }
                }
            }

            var operations = withOperations.Count == 0 ? null : await ReadOperationsAsync(connection, transaction, withOperations, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            var claimed = new List<ClaimedWorkflow>(rows.Count);
            foreach (var row in rows)
            {
                claimed.Add(new ClaimedWorkflow(row, operations is not null && operations.TryGetValue(row.WorkflowId, out var recorded) ? recorded : []));
            }

            return new DequeueResult(claimed, Contended: false);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.LockNotAvailable or PostgresErrorCodes.SerializationFailure)
        {
            return DequeueResult.Lost; // another process is dequeuing the same rows: it takes them; the caller tries again soon
        }
    }

    private async Task<Dictionary<string, List<OperationRecord>>> ReadOperationsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, List<string> ids, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(Qualify("SELECT workflow_uuid, " + OperationColumns + " FROM {schema}.operation_outputs WHERE workflow_uuid = ANY($1) ORDER BY workflow_uuid, function_id"), connection, transaction);
        command.Parameters.Add(TextArray([.. ids]));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await ReadOperationsByWorkflowAsync(reader, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Rows of (workflow_uuid, operation columns...) grouped by workflow, in the order read.</summary>
    private static async Task<Dictionary<string, List<OperationRecord>>> ReadOperationsByWorkflowAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        var operations = new Dictionary<string, List<OperationRecord>>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var id = reader.GetString(0);
            if (!operations.TryGetValue(id, out var list))
            {
                operations[id] = list = [];
            }

            list.Add(ReadOperation(reader, 1));
        }

        return operations;
    }

    private const string QueueDepthsSql = "SELECT queue_name, count(*) FROM {schema}.workflow_status WHERE status = 'ENQUEUED' AND queue_name = ANY($1) GROUP BY queue_name";

    public async Task<IReadOnlyDictionary<string, long>> GetQueueDepthsAsync(IReadOnlyList<string> queueNames, CancellationToken cancellationToken)
    {
        var depths = queueNames.ToDictionary(q => q, _ => 0L, StringComparer.Ordinal);
        await using var command = _dataSource.CreateCommand(Qualify(QueueDepthsSql));
        command.Parameters.Add(TextArray([.. queueNames]));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            depths[reader.GetString(0)] = reader.GetInt64(1);
        }

        return depths;
    }

    private const string PartitionsSql = "SELECT DISTINCT queue_partition_key FROM {schema}.workflow_status WHERE queue_name = $1 AND status = 'ENQUEUED' AND queue_partition_key IS NOT NULL";

    public async Task<IReadOnlyList<string>> GetEnqueuedPartitionsAsync(string queueName, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(_partitionsSql ??= Qualify(PartitionsSql));
        command.Parameters.Add(Text(queueName));
        var keys = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            keys.Add(reader.GetString(0));
        }

        return keys;
    }

    private const string ReenqueueSql = """
        WITH c AS (SELECT * FROM unnest($1::text[], $2::text[]) AS c(id, expected))
        UPDATE {schema}.workflow_status w SET status = 'ENQUEUED', started_at_epoch_ms = NULL, updated_at = $3
        FROM c WHERE w.workflow_uuid = c.id AND w.status = 'PENDING' AND w.owner_xid IS NOT DISTINCT FROM c.expected AND w.queue_name IS NOT NULL
        RETURNING w.workflow_uuid
        """;

    public async Task<IReadOnlyList<string>> ReenqueueAsync(IReadOnlyList<RecoveryClaim> claims, CancellationToken cancellationToken)
    {
        var ids = new string[claims.Count];
        var expected = new string?[claims.Count];
        for (var i = 0; i < claims.Count; i++)
        {
            (ids[i], expected[i]) = (claims[i].WorkflowId, claims[i].ExpectedOwnerXid);
        }

        await using var command = _dataSource.CreateCommand(_reenqueueSql ??= Qualify(ReenqueueSql));
        command.Parameters.Add(TextArray(ids));
        command.Parameters.Add(TextArray(expected));
        command.Parameters.Add(BigInt(NowMs()));
        var done = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            done.Add(reader.GetString(0));
        }

        return done;
    }
}
