using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;

namespace Dbos.SystemDatabase.Sqlite;

/// <summary>Queues on SQLite: writers are serialized by the file's write lock (BEGIN IMMEDIATE), so a dequeue's counts and claim
/// cannot interleave with another process's.</summary>
internal sealed partial class SqliteSystemDatabase
{
    private const string UpsertQueueSql = """
        INSERT INTO queues (name, concurrency, worker_concurrency, rate_limit_max, rate_limit_period_sec, priority_enabled, partition_queue,
            polling_interval_sec, application_name, partition_concurrency, created_at, updated_at)
        VALUES ($name, $concurrency, $worker, $limit, $period, 1, $partitioned, $polling, $app, $partitionConcurrency, $now, $now)
        ON CONFLICT (name) DO UPDATE SET concurrency = excluded.concurrency, worker_concurrency = excluded.worker_concurrency,
            rate_limit_max = excluded.rate_limit_max, rate_limit_period_sec = excluded.rate_limit_period_sec, partition_queue = excluded.partition_queue,
            polling_interval_sec = excluded.polling_interval_sec, partition_concurrency = excluded.partition_concurrency, updated_at = excluded.updated_at
        """;

    public Task UpsertQueuesAsync(IReadOnlyList<WorkflowQueue> queues, CancellationToken cancellationToken) => RunInTransactionAsync(connection =>
    {
        foreach (var queue in queues)
        {
            var upsert = Command(connection, UpsertQueueSql);
            Bind(upsert, "$name", queue.Name);
            Bind(upsert, "$concurrency", queue.Concurrency);
            Bind(upsert, "$worker", queue.WorkerConcurrency);
            Bind(upsert, "$limit", queue.RateLimit?.Limit);
            Bind(upsert, "$period", queue.RateLimit?.Period.TotalSeconds);
            Bind(upsert, "$partitioned", queue.IsPartitioned ? 1 : 0);
            Bind(upsert, "$polling", queue.PollingInterval.TotalSeconds);
            Bind(upsert, "$app", _options.ApplicationName);
            Bind(upsert, "$partitionConcurrency", queue.PartitionConcurrency);
            Bind(upsert, "$now", NowMs());
            upsert.ExecuteNonQuery();
        }

        return 0;
    }, cancellationToken);

    private const string ReleaseDelayedSql = """
        UPDATE workflow_status SET status = 'ENQUEUED', updated_at = $now
        WHERE status = 'DELAYED' AND queue_name = $queue AND delay_until_epoch_ms <= $now
        """;

    private const string NextDelayedSql = """
        SELECT min(delay_until_epoch_ms) FROM workflow_status WHERE status = 'DELAYED' AND queue_name = $queue AND delay_until_epoch_ms > $now
        """;

    public Task<long?> ReleaseDelayedAsync(string queueName, CancellationToken cancellationToken) => RunAsync<long?>(connection =>
    {
        var now = NowMs();
        var update = Command(connection, ReleaseDelayedSql);
        Bind(update, "$queue", queueName);
        Bind(update, "$now", now);
        update.ExecuteNonQuery();
        var next = Command(connection, NextDelayedSql);
        Bind(next, "$queue", queueName);
        Bind(next, "$now", now);
        return next.ExecuteScalar() is long due ? due : null;
    }, cancellationToken);

    private const string BudgetSql = """
        SELECT
            (SELECT COUNT(*) FROM workflow_status WHERE queue_name = $queue AND status = 'PENDING' AND ($partition IS NULL OR queue_partition_key = $partition)),
            (SELECT COUNT(*) FROM workflow_status WHERE queue_name = $queue AND rate_limited = 1 AND status NOT IN ('ENQUEUED', 'DELAYED') AND started_at_epoch_ms > $since)
        """;

    private const string PickSql = """
        SELECT workflow_uuid FROM workflow_status
        WHERE queue_name = $queue AND status = 'ENQUEUED'
          AND (application_version = $version OR (application_version IS NULL AND $latest))
          AND ($app IS NULL OR application_name IS NULL OR application_name = $app)
          AND ($partition IS NULL OR queue_partition_key = $partition)
        ORDER BY priority, created_at
        LIMIT $limit
        """;

    private const string ClaimQueuedSql = """
        UPDATE workflow_status
        SET status = 'PENDING', owner_xid = 'dn1:' || $instance || ':' || lower(hex(randomblob(8))), executor_id = $executor,
            application_version = $version, application_name = COALESCE(application_name, $app), started_at_epoch_ms = $now, updated_at = $now,
            rate_limited = $rateLimited, recovery_attempts = COALESCE(recovery_attempts, 0) + 1,
            workflow_deadline_epoch_ms = CASE WHEN workflow_timeout_ms IS NOT NULL AND workflow_deadline_epoch_ms IS NULL
                                              THEN $now + workflow_timeout_ms ELSE workflow_deadline_epoch_ms END
        WHERE workflow_uuid = $id AND status = 'ENQUEUED'
        """;

    public Task<DequeueResult> DequeueAsync(DequeueRequest request, CancellationToken cancellationToken)
        => RunInTransactionAsync(connection =>
        {
            var now = NowMs();
            var budget = request.MaxTasks;
            var counts = Command(connection, BudgetSql);
            Bind(counts, "$queue", request.QueueName);
            Bind(counts, "$partition", request.PartitionKey);
            Bind(counts, "$since", request.RateLimit is { } limit ? now - (long)limit.Period.TotalMilliseconds : 0);
            using (var reader = counts.ExecuteReader())
            {
                reader.Read();
                if (request.GlobalConcurrency is { } global)
                {
                    budget = Math.Min(budget, global - (int)reader.GetInt64(0));
                }

                if (request.RateLimit is { } rate)
                {
                    budget = Math.Min(budget, rate.Limit - (int)reader.GetInt64(1));
                }
            }

            if (budget <= 0)
            {
                return DequeueResult.Nothing;
            }

            var ids = new List<string>();
            var pick = Command(connection, PickSql);
            Bind(pick, "$queue", request.QueueName);
            Bind(pick, "$version", request.ApplicationVersion);
            Bind(pick, "$latest", request.IsLatestVersion ? 1 : 0);
            Bind(pick, "$app", request.ApplicationName);
            Bind(pick, "$partition", request.PartitionKey);
            Bind(pick, "$limit", budget);
            using (var reader = pick.ExecuteReader())
            {
                while (reader.Read())
                {
                    ids.Add(reader.GetString(0));
                }
            }

            var claimed = new List<ClaimedWorkflow>(ids.Count);
            foreach (var id in ids)
            {
                var claim = Command(connection, ClaimQueuedSql);
                Bind(claim, "$instance", request.InstanceId);
                Bind(claim, "$executor", request.ExecutorId);
                Bind(claim, "$version", request.ApplicationVersion);
                Bind(claim, "$app", request.ApplicationName);
                Bind(claim, "$now", now);
                Bind(claim, "$rateLimited", request.RateLimit is null ? 0 : 1);
                Bind(claim, "$id", id);
                if (claim.ExecuteNonQuery() == 1)
                {
                    claimed.Add(ReadClaimed(connection, id));
                }
            }

            return new DequeueResult(claimed, Contended: false);
        }, cancellationToken);

    private ClaimedWorkflow ReadClaimed(SqliteConnection connection, string workflowId)
    {
        WorkflowStatusRow row;
        var select = Command(connection, GetStatusWithPayloadsSql);
        Bind(select, "$id", workflowId);
        using (var reader = select.ExecuteReader())
        {
            reader.Read();
            row = ReadStatus(reader);
        }

        var operations = new List<OperationRecord>();
        var load = Command(connection, GetOperationsSql);
        Bind(load, "$id", workflowId);
        using (var reader = load.ExecuteReader())
        {
            while (reader.Read())
            {
                operations.Add(ReadOperation(reader));
            }
        }

        return new ClaimedWorkflow(row, operations);
    }

    private const string PartitionsSql = "SELECT DISTINCT queue_partition_key FROM workflow_status WHERE queue_name = $queue AND status = 'ENQUEUED' AND queue_partition_key IS NOT NULL";

    public Task<IReadOnlyList<string>> GetEnqueuedPartitionsAsync(string queueName, CancellationToken cancellationToken) => RunAsync<IReadOnlyList<string>>(connection =>
    {
        var select = Command(connection, PartitionsSql);
        Bind(select, "$queue", queueName);
        var keys = new List<string>();
        using var reader = select.ExecuteReader();
        while (reader.Read())
        {
            keys.Add(reader.GetString(0));
        }

        return keys;
    }, cancellationToken);

    private const string QueueDepthSql = "SELECT count(*) FROM workflow_status WHERE status = 'ENQUEUED' AND queue_name = $queue";

    public Task<IReadOnlyDictionary<string, long>> GetQueueDepthsAsync(IReadOnlyList<string> queueNames, CancellationToken cancellationToken) => RunAsync<IReadOnlyDictionary<string, long>>(connection =>
    {
        var depths = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var queue in queueNames)
        {
            var select = Command(connection, QueueDepthSql);
            Bind(select, "$queue", queue);
            depths[queue] = Convert.ToInt64(select.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }

        return depths;
    }, cancellationToken);

    private const string ReenqueueSql = """
        UPDATE workflow_status SET status = 'ENQUEUED', started_at_epoch_ms = NULL, updated_at = $now
        WHERE workflow_uuid = $id AND status = 'PENDING' AND COALESCE(owner_xid, '') = $expected AND queue_name IS NOT NULL
        """;

    public Task<IReadOnlyList<string>> ReenqueueAsync(IReadOnlyList<RecoveryClaim> claims, CancellationToken cancellationToken)
        => RunInTransactionAsync<IReadOnlyList<string>>(connection =>
        {
            var done = new List<string>();
            foreach (var claim in claims)
            {
                var update = Command(connection, ReenqueueSql);
                Bind(update, "$now", NowMs());
                Bind(update, "$id", claim.WorkflowId);
                Bind(update, "$expected", claim.ExpectedOwnerXid ?? string.Empty);
                if (update.ExecuteNonQuery() == 1)
                {
                    done.Add(claim.WorkflowId);
                }
            }

            return done;
        }, cancellationToken);

    private long NowMs() => _options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds();
}
