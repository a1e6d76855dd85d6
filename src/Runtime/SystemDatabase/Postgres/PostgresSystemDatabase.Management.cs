using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Dbos.Internal;
using Npgsql;

namespace Dbos.SystemDatabase.Postgres;

/// <summary>Listing, cancel, resume, fork, delete and garbage collection.</summary>
internal sealed partial class PostgresSystemDatabase
{
    private string? _cancelWorkflowsSql;
    private string? _cancelTimedOutWorkflowSql;
    private string? _cancelTimedOutWorkflowsSql;
    private string? _childWorkflowIdsSql;
    private string? _existingWorkflowIdsSql;
    private string? _resumeWorkflowSql;
    private string? _forkWorkflowSql;
    private string? _garbageCollectBatchSql;
    private string? _garbageSql;
    private string? _deleteFinishedSql;
    private string? _createdAtOfNewestSql;
    private string? _workflowStatesSql;
    private string[]? _deleteWorkflowsSql;

    public async Task<IReadOnlyList<WorkflowListRow>> ListWorkflowsAsync(WorkflowFilter filter, bool queuedOnly, CancellationToken cancellationToken)
    {
        WorkflowListSql.Validate(filter);
        await using var command = _dataSource.CreateCommand();
        string Parameter(object? value)
        {
            command.Parameters.Add(value switch
            {
                long number => BigInt(number),
                string text => Text(text),
                _ => throw new ArgumentException("Unsupported list parameter.", nameof(value)),
            });
            return "$" + command.Parameters.Count;
        }

        string AnyOf(IReadOnlyCollection<string> values)
        {
            command.Parameters.Add(TextArray(values.ToArray()));
            return "= ANY($" + command.Parameters.Count + ")";
        }

        command.CommandText = WorkflowListSql.Build(filter, queuedOnly, new WorkflowListSql.Dialect(_quotedSchema + ".", Parameter, AnyOf, "TRUE", "FALSE", "ALL"));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<WorkflowListRow>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(ReadListRow(reader));
        }

        return rows;
    }

    private static WorkflowListRow ReadListRow(NpgsqlDataReader reader) => new(
        WorkflowId: reader.GetString(0),
        Status: GetString(reader, 1) ?? string.Empty,
        Name: GetString(reader, 2),
        ClassName: GetString(reader, 3),
        ConfigName: GetString(reader, 4),
        AuthenticatedUser: GetString(reader, 5),
        AssumedRole: GetString(reader, 6),
        AuthenticatedRoles: GetString(reader, 7),
        ExecutorId: GetString(reader, 8),
        ApplicationVersion: GetString(reader, 9),
        ApplicationName: GetString(reader, 10),
        CreatedAt: reader.GetInt64(11),
        UpdatedAt: reader.GetInt64(12),
        CompletedAt: GetInt64(reader, 13),
        RecoveryAttempts: reader.GetInt64(14),
        QueueName: GetString(reader, 15),
        TimeoutMs: GetInt64(reader, 16),
        DeadlineEpochMs: GetInt64(reader, 17),
        StartedAt: GetInt64(reader, 18),
        DelayUntil: GetInt64(reader, 19),
        DeduplicationId: GetString(reader, 20),
        Priority: reader.GetInt32(21),
        PartitionKey: GetString(reader, 22),
        ForkedFrom: GetString(reader, 23),
        WasForkedFrom: reader.GetBoolean(24),
        ParentWorkflowId: GetString(reader, 25),
        Serialization: GetString(reader, 26),
        Inputs: GetString(reader, WorkflowListSql.PayloadOrdinal),
        Output: GetString(reader, WorkflowListSql.PayloadOrdinal + 1),
        Error: GetString(reader, WorkflowListSql.PayloadOrdinal + 2));

    // As DBOS TypeScript 5.3 cancels: the owner is cleared too, so the execution that ran it can write nothing more.
    private const string CancelSet = """
        SET status = 'CANCELLED', owner_xid = NULL, queue_name = NULL, deduplication_id = NULL, started_at_epoch_ms = NULL,
            updated_at = $2, completed_at = $2
        """;

    private const string CancelWorkflowsSql = "UPDATE {schema}.workflow_status " + CancelSet + """

        WHERE workflow_uuid = ANY($1) AND status NOT IN ('SUCCESS', 'ERROR')
        RETURNING workflow_uuid
        """;

    public async Task<IReadOnlyList<string>> CancelWorkflowsAsync(IReadOnlyList<string> workflowIds, long now, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(_cancelWorkflowsSql ??= Qualify(CancelWorkflowsSql));
        command.Parameters.Add(TextArray(workflowIds.ToArray()));
        command.Parameters.Add(BigInt(now));
        return await ReadIdsAsync(command, cancellationToken).ConfigureAwait(false);
    }

    // Only while the deadline this execution knows still holds: a resumed workflow has its deadline cleared (and set anew at dequeue).
    private const string CancelTimedOutWorkflowSql = "UPDATE {schema}.workflow_status " + CancelSet + """

        WHERE workflow_uuid = $1 AND status IN ('ENQUEUED', 'PENDING', 'DELAYED')
          AND workflow_deadline_epoch_ms IS NOT NULL AND workflow_deadline_epoch_ms <= $2
        RETURNING workflow_uuid
        """;

    public async Task<bool> CancelTimedOutWorkflowAsync(string workflowId, long now, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(_cancelTimedOutWorkflowSql ??= Qualify(CancelTimedOutWorkflowSql));
        command.Parameters.Add(Text(workflowId));
        command.Parameters.Add(BigInt(now));
        return (await ReadIdsAsync(command, cancellationToken).ConfigureAwait(false)).Count > 0;
    }

    // Literal statuses match idx_workflow_status_deadline; SKIP LOCKED leaves a row a dequeue or another sweep holds.
    private const string CancelTimedOutWorkflowsSql = "UPDATE {schema}.workflow_status " + CancelSet + """

        WHERE workflow_uuid IN (
            SELECT workflow_uuid FROM {schema}.workflow_status
            WHERE status IN ('ENQUEUED', 'PENDING', 'DELAYED') AND workflow_deadline_epoch_ms IS NOT NULL AND workflow_deadline_epoch_ms <= $2
              AND ($3::text IS NULL OR application_name IS NULL OR application_name = $3)
            ORDER BY workflow_deadline_epoch_ms
            LIMIT $1
            FOR UPDATE SKIP LOCKED)
        RETURNING workflow_uuid
        """;

    public async Task<IReadOnlyList<string>> CancelTimedOutWorkflowsAsync(long now, int limit, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(_cancelTimedOutWorkflowsSql ??= Qualify(CancelTimedOutWorkflowsSql));
        command.Parameters.Add(BigInt(limit));
        command.Parameters.Add(BigInt(now));
        command.Parameters.Add(Text(_applicationName));
        return await ReadIdsAsync(command, cancellationToken).ConfigureAwait(false);
    }

    private const string ChildWorkflowIdsSql = "SELECT workflow_uuid FROM {schema}.workflow_status WHERE parent_workflow_id = ANY($1)";

    public async Task<IReadOnlyList<string>> GetChildWorkflowIdsAsync(IReadOnlyList<string> parentIds, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(_childWorkflowIdsSql ??= Qualify(ChildWorkflowIdsSql));
        command.Parameters.Add(TextArray(parentIds.ToArray()));
        return await ReadIdsAsync(command, cancellationToken).ConfigureAwait(false);
    }

    private const string ExistingWorkflowIdsSql = "SELECT workflow_uuid FROM {schema}.workflow_status WHERE workflow_uuid = ANY($1)";

    public async Task<IReadOnlyList<string>> GetExistingWorkflowIdsAsync(IReadOnlyList<string> workflowIds, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(_existingWorkflowIdsSql ??= Qualify(ExistingWorkflowIdsSql));
        command.Parameters.Add(TextArray(workflowIds.ToArray()));
        return await ReadIdsAsync(command, cancellationToken).ConfigureAwait(false);
    }

    // The row DBOS TypeScript 5.3's resumeWorkflows writes; the dequeue of any DBOS executor then runs it from its checkpoints.
    private const string ResumeWorkflowSql = """
        WITH found AS (
            SELECT status FROM {schema}.workflow_status WHERE workflow_uuid = $1
        ), upd AS (
            UPDATE {schema}.workflow_status
            SET status = 'ENQUEUED', owner_xid = NULL, queue_name = $2, recovery_attempts = 0, workflow_deadline_epoch_ms = NULL,
                deduplication_id = NULL, started_at_epoch_ms = NULL, completed_at = NULL, updated_at = $3
            WHERE workflow_uuid = $1 AND status NOT IN ('SUCCESS', 'ERROR')
            RETURNING 1
        )
        SELECT EXISTS (SELECT 1 FROM found), (SELECT status FROM found), EXISTS (SELECT 1 FROM upd)
        """;

    public async Task<ResumeResult> ResumeWorkflowAsync(string workflowId, string queueName, long now, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(_resumeWorkflowSql ??= Qualify(ResumeWorkflowSql));
        command.Parameters.Add(Text(workflowId));
        command.Parameters.Add(Text(queueName));
        command.Parameters.Add(BigInt(now));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new ResumeResult(reader.GetBoolean(0), GetString(reader, 1), reader.GetBoolean(2));
    }

    // One statement, so a fork is all or nothing. The new row is the one DBOS TypeScript 5.3's forkWorkflow inserts (inputs in
    // workflow_input only, no executor, no owner); the copies are dropped if the new ID exists (ins is then empty).
    private const string ForkWorkflowSql = """
        WITH src AS (
            SELECT ws.name, ws.class_name, ws.config_name, ws.authenticated_user, ws.assumed_role, ws.authenticated_roles,
                ws.application_version, ws.application_id, COALESCE(wi.inputs, ws.inputs) AS inputs, ws.serialization, ws.attributes,
                ws.application_name
            FROM {schema}.workflow_status ws
            LEFT JOIN {schema}.workflow_input wi ON wi.workflow_uuid = ws.workflow_uuid
            WHERE ws.workflow_uuid = $1
        ), ins AS (
            INSERT INTO {schema}.workflow_status (workflow_uuid, status, name, class_name, config_name, queue_name, authenticated_user,
                assumed_role, authenticated_roles, application_version, application_id, inputs, queue_partition_key, forked_from,
                serialization, attributes, application_name, workflow_timeout_ms, created_at, updated_at)
            SELECT $2, 'ENQUEUED', name, class_name, config_name, $4, authenticated_user, assumed_role, authenticated_roles,
                COALESCE($5, application_version), application_id, NULL, $6, $1, serialization, attributes, COALESCE(application_name, $7), $8, $9, $9
            FROM src
            ON CONFLICT (workflow_uuid) DO NOTHING
            RETURNING workflow_uuid, application_name
        ), input AS (
            INSERT INTO {schema}.workflow_input (workflow_uuid, inputs, retention_timestamp)
            SELECT $2, src.inputs, $9 FROM src WHERE EXISTS (SELECT 1 FROM ins)
        ), steps AS (
            INSERT INTO {schema}.operation_outputs (workflow_uuid, function_id, function_name, output, error, serialization, child_workflow_id,
                started_at_epoch_ms, completed_at_epoch_ms, application_name, retention_timestamp)
            SELECT $2, o.function_id, o.function_name, o.output, o.error, o.serialization, o.child_workflow_id, o.started_at_epoch_ms,
                o.completed_at_epoch_ms, (SELECT application_name FROM ins), $9
            FROM {schema}.operation_outputs o
            WHERE o.workflow_uuid = $1 AND o.function_id < $3 AND EXISTS (SELECT 1 FROM ins)
        ), stream AS (
            INSERT INTO {schema}.streams (workflow_uuid, key, value, serialization, "offset", function_id)
            SELECT $2, s.key, s.value, s.serialization, s."offset", s.function_id
            FROM {schema}.streams s
            WHERE s.workflow_uuid = $1 AND s.function_id < $3 AND EXISTS (SELECT 1 FROM ins)
        ), history AS (
            INSERT INTO {schema}.workflow_events_history (workflow_uuid, function_id, key, value, serialization)
            SELECT $2, h.function_id, h.key, h.value, h.serialization
            FROM {schema}.workflow_events_history h
            WHERE h.workflow_uuid = $1 AND h.function_id < $3 AND EXISTS (SELECT 1 FROM ins)
        ), events AS (
            INSERT INTO {schema}.workflow_events (workflow_uuid, key, value, serialization)
            SELECT DISTINCT ON (h.key) $2, h.key, h.value, h.serialization
            FROM {schema}.workflow_events_history h
            WHERE h.workflow_uuid = $1 AND h.function_id < $3 AND EXISTS (SELECT 1 FROM ins)
            ORDER BY h.key, h.function_id DESC
        ), mark AS (
            UPDATE {schema}.workflow_status SET was_forked_from = TRUE WHERE workflow_uuid = $1 AND EXISTS (SELECT 1 FROM ins)
        )
        SELECT EXISTS (SELECT 1 FROM src), EXISTS (SELECT 1 FROM ins)
        """;

    public async Task<ForkResult> ForkWorkflowAsync(WorkflowFork fork, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fork);
        await using var command = _dataSource.CreateCommand(_forkWorkflowSql ??= Qualify(ForkWorkflowSql));
        command.Parameters.Add(Text(fork.OriginalId));
        command.Parameters.Add(Text(fork.ForkId));
        command.Parameters.Add(Int(fork.StartStep));
        command.Parameters.Add(Text(fork.QueueName));
        command.Parameters.Add(Text(fork.ApplicationVersion));
        command.Parameters.Add(Text(fork.PartitionKey));
        command.Parameters.Add(Text(fork.ApplicationName));
        command.Parameters.Add(BigInt(fork.TimeoutMs));
        command.Parameters.Add(BigInt(fork.Now));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new ForkResult(reader.GetBoolean(0), reader.GetBoolean(1));
    }

    // Every table that holds rows of a workflow. Since migration 112 the payload tables and operation_outputs have no foreign key
    // to workflow_status, so nothing cascades into them; the others are deleted explicitly too (before the status row).
    private static readonly string[] DependentDeletes =
    [
        "DELETE FROM {schema}.workflow_input WHERE workflow_uuid = ANY($1)",
        "DELETE FROM {schema}.workflow_output WHERE workflow_uuid = ANY($1)",
        "DELETE FROM {schema}.operation_outputs WHERE workflow_uuid = ANY($1)",
        "DELETE FROM {schema}.notifications WHERE destination_uuid = ANY($1)",
        "DELETE FROM {schema}.workflow_events WHERE workflow_uuid = ANY($1)",
        "DELETE FROM {schema}.workflow_events_history WHERE workflow_uuid = ANY($1)",
        "DELETE FROM {schema}.streams WHERE workflow_uuid = ANY($1)",
        "DELETE FROM {schema}.workflow_status WHERE workflow_uuid = ANY($1)",
    ];

    public async Task<int> DeleteWorkflowsAsync(IReadOnlyList<string> workflowIds, CancellationToken cancellationToken)
    {
        if (workflowIds.Count == 0)
        {
            return 0;
        }

        var statements = _deleteWorkflowsSql ??= Array.ConvertAll(DependentDeletes, Qualify);
        var ids = workflowIds.ToArray();
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection); // one implicit transaction: all of it or nothing
        foreach (var statement in statements)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(statement) { Parameters = { TextArray(ids) } });
        }

        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return batch.BatchCommands[^1].RecordsAffected;
    }

    // One statement per batch, so its locks last one short transaction. The victims are locked first (SKIP LOCKED: a row another
    // transaction is changing, e.g. a resume, is left for the next batch) and cannot become active again before they are deleted.
    // The created_at index gives the oldest first; active workflows are never victims.
    private const string GarbageCollectBatchSql = """
        WITH victims AS (
            SELECT workflow_uuid FROM {schema}.workflow_status
            WHERE created_at < $1 AND status NOT IN ('PENDING', 'ENQUEUED', 'DELAYED')
            ORDER BY created_at
            LIMIT $2
            FOR UPDATE SKIP LOCKED
        ),
        """ + DeleteVictimsSql;

    // The same delete, of given workflows that are still finished (an app database's rows for them were purged first).
    private const string DeleteFinishedSql = """
        WITH victims AS (
            SELECT workflow_uuid FROM {schema}.workflow_status
            WHERE workflow_uuid = ANY($1) AND status NOT IN ('PENDING', 'ENQUEUED', 'DELAYED')
            FOR UPDATE SKIP LOCKED
        ),
        """ + DeleteVictimsSql;

    private const string DeleteVictimsSql = """
        ids AS (
            SELECT COALESCE(array_agg(workflow_uuid), ARRAY[]::text[]) AS v FROM victims
        ), wi AS (
            DELETE FROM {schema}.workflow_input WHERE workflow_uuid = ANY((SELECT v FROM ids)::text[])
        ), wo AS (
            DELETE FROM {schema}.workflow_output WHERE workflow_uuid = ANY((SELECT v FROM ids)::text[])
        ), oo AS (
            DELETE FROM {schema}.operation_outputs WHERE workflow_uuid = ANY((SELECT v FROM ids)::text[])
        ), n AS (
            DELETE FROM {schema}.notifications WHERE destination_uuid = ANY((SELECT v FROM ids)::text[])
        ), ev AS (
            DELETE FROM {schema}.workflow_events WHERE workflow_uuid = ANY((SELECT v FROM ids)::text[])
        ), h AS (
            DELETE FROM {schema}.workflow_events_history WHERE workflow_uuid = ANY((SELECT v FROM ids)::text[])
        ), st AS (
            DELETE FROM {schema}.streams WHERE workflow_uuid = ANY((SELECT v FROM ids)::text[])
        ), ws AS (
            DELETE FROM {schema}.workflow_status WHERE workflow_uuid = ANY((SELECT v FROM ids)::text[]) RETURNING 1
        )
        SELECT count(*) FROM ws
        """;

    public async Task<int> GarbageCollectBatchAsync(long createdBefore, int batchSize, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(_garbageCollectBatchSql ??= Qualify(GarbageCollectBatchSql));
        command.Parameters.Add(BigInt(createdBefore));
        command.Parameters.Add(BigInt(batchSize));
        return (int)(long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private const string GarbageSql = """
        SELECT workflow_uuid FROM {schema}.workflow_status
        WHERE created_at < $1 AND status NOT IN ('PENDING', 'ENQUEUED', 'DELAYED')
        ORDER BY created_at
        LIMIT $2
        """;

    public async Task<IReadOnlyList<string>> GetGarbageAsync(long createdBefore, int batchSize, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(_garbageSql ??= Qualify(GarbageSql));
        command.Parameters.Add(BigInt(createdBefore));
        command.Parameters.Add(BigInt(batchSize));
        return await ReadIdsAsync(command, cancellationToken).ConfigureAwait(false);
    }

    public async Task<int> DeleteFinishedWorkflowsAsync(IReadOnlyList<string> workflowIds, CancellationToken cancellationToken)
    {
        if (workflowIds.Count == 0)
        {
            return 0;
        }

        await using var command = _dataSource.CreateCommand(_deleteFinishedSql ??= Qualify(DeleteFinishedSql));
        command.Parameters.Add(TextArray(workflowIds.ToArray()));
        return (int)(long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private const string CreatedAtOfNewestSql = "SELECT created_at FROM {schema}.workflow_status ORDER BY created_at DESC OFFSET $1 LIMIT 1";

    public async Task<long?> GetCreatedAtOfNewestAsync(int newerCount, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(_createdAtOfNewestSql ??= Qualify(CreatedAtOfNewestSql));
        command.Parameters.Add(BigInt(newerCount));
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long createdAt ? createdAt : null;
    }

    private const string WorkflowStatesSql = "SELECT workflow_uuid, status, owner_xid FROM {schema}.workflow_status WHERE workflow_uuid = ANY($1)";

    public async Task<IReadOnlyList<WorkflowState>> GetWorkflowStatesAsync(IReadOnlyList<string> workflowIds, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(_workflowStatesSql ??= Qualify(WorkflowStatesSql));
        command.Parameters.Add(TextArray(workflowIds.ToArray()));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var states = new List<WorkflowState>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            states.Add(new WorkflowState(reader.GetString(0), GetString(reader, 1), GetString(reader, 2)));
        }

        return states;
    }

    private static async Task<IReadOnlyList<string>> ReadIdsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var ids = new List<string>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }
}
