using System;
using System.Collections.Generic;
using System.Data;
using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace Dbos.SystemDatabase.Postgres;

/// <summary>
/// The DBOS system database on PostgreSQL, in the layout DBOS TypeScript 5.3 creates (migration 123), so DBOS
/// tooling and clients in other languages can read and drive the workflows this process writes. Each method is one
/// statement on a pooled, auto-prepared connection: one round trip, and for writes one commit. Transient failures
/// surface as <see cref="NpgsqlException"/> (see <see cref="NpgsqlException.IsTransient"/>); the caller retries.
/// </summary>
[SuppressMessage("Security", "CA2100:Review SQL queries for security vulnerabilities",
    Justification = "Every statement is a constant with the quoted, validated schema name filled in once; values are always parameters.")]
internal sealed partial class PostgresSystemDatabase : ISystemDatabase
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly PostgresCommitGroup _commitGroup;
    private readonly NpgsqlConnectionStringBuilder _settings;
    private readonly DbosOptions _options;
    private readonly ILogger _logger;
    private readonly string _schema;
    private readonly string _quotedSchema;
    private readonly string? _applicationName;

    private readonly string _insertWorkflowStatusSql;
    private readonly string _recordWorkflowOutcomeSql;
    private readonly string _getWorkflowStatusSql;
    private readonly string _getWorkflowStatusWithPayloadsSql;
    private readonly string _getOperationsSql;
    private readonly string _getOperationSql;
    private readonly string _recordOperationSql;
    private readonly string _getPendingWorkflowsSql;
    private readonly string _claimForRecoverySql;
    private readonly string _claimedOperationsSql;
    private readonly string _markMaxRecoveryAttemptsExceededSql;
    private readonly string _registerApplicationVersionSql;

    /// <param name="connectionString">An Npgsql connection string (already normalized by <see cref="PostgresConnectionStrings.Normalize"/>).</param>
    /// <param name="options">Pool size, schema name, connect timeout, application name and clock.</param>
    /// <param name="logger">Receives migration progress.</param>
    public PostgresSystemDatabase(string connectionString, DbosOptions options, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        _options = options;
        _logger = logger;
        _schema = options.SystemDatabaseSchema;
        _quotedSchema = PostgresSchema.QuoteIdentifier(_schema);
        _applicationName = options.ApplicationName;
        _settings = BuildSettings(connectionString, options);
        _dataSource = new NpgsqlDataSourceBuilder(_settings.ConnectionString).Build();
        _commitGroup = new PostgresCommitGroup(_dataSource);

        _insertWorkflowStatusSql = Qualify(InsertWorkflowStatusSql);
        _recordWorkflowOutcomeSql = Qualify(RecordWorkflowOutcomeSql);
        _getWorkflowStatusSql = Qualify(GetWorkflowStatusSql);
        _getWorkflowStatusWithPayloadsSql = Qualify(GetWorkflowStatusWithPayloadsSql);
        _getOperationsSql = Qualify(GetOperationsSql);
        _getOperationSql = Qualify(GetOperationSql);
        _recordOperationSql = Qualify(RecordOperationSql);
        _getPendingWorkflowsSql = Qualify(GetPendingWorkflowsSql);
        _claimForRecoverySql = Qualify(ClaimForRecoverySql);
        _claimedOperationsSql = Qualify(ClaimedOperationsSql);
        _markMaxRecoveryAttemptsExceededSql = Qualify(MarkMaxRecoveryAttemptsExceededSql);
        _registerApplicationVersionSql = Qualify(RegisterApplicationVersionSql);
    }

    public string Engine => "postgres";

    /// <summary>Where this database is, without the password, for messages.</summary>
    internal string Description => PostgresConnectionStrings.Describe(_settings);

    /// <summary>The effective connection settings (pool size, preparation, timeouts), for tests.</summary>
    internal NpgsqlConnectionStringBuilder Settings => new(_settings.ConnectionString);

    /// <summary>The pool the calls run on, for tests.</summary>
    internal NpgsqlDataSource DataSource => _dataSource;

    private static NpgsqlConnectionStringBuilder BuildSettings(string connectionString, DbosOptions options)
    {
        NpgsqlConnectionStringBuilder settings;
        try
        {
            settings = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"Invalid Npgsql connection string for the DBOS system database: {e.Message}", nameof(connectionString), e);
        }

        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        bool Given(params string[] keys)
        {
            foreach (string key in given.Keys)
            {
                if (Array.Exists(keys, k => string.Equals(k, key.Replace(" ", string.Empty, StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase)))
                {
                    return true;
                }
            }

            return false;
        }

        settings.MaxPoolSize = Math.Max(1, options.SystemDatabasePoolSize);
        if (settings.MinPoolSize > settings.MaxPoolSize)
        {
            settings.MinPoolSize = settings.MaxPoolSize;
        }

        if (!Given("Timeout", "ConnectTimeout", "ConnectionTimeout"))
        {
            settings.Timeout = (int)Math.Clamp(Math.Ceiling(options.ConnectTimeout.TotalSeconds), 1, 1024);
        }

        if (!Given("MaxAutoPrepare"))
        {
            // Every statement here is run many times: prepare them on each pooled connection.
            settings.MaxAutoPrepare = 64;
            settings.AutoPrepareMinUsages = 2;
        }

        if (!Given("NoResetOnClose"))
        {
            // Returning a connection to the pool then costs no DISCARD ALL round trip; we set no session state.
            settings.NoResetOnClose = true;
        }

        if (string.IsNullOrEmpty(settings.ApplicationName))
        {
            settings.ApplicationName = "dbos";
        }

        return settings;
    }

    private string Qualify(string sql) => sql.Replace("{schema}", _quotedSchema, StringComparison.Ordinal);

    private long NowMs() => _options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds();

    // ---------------------------------------------------------------------------------------------------------
    // Migrations
    // ---------------------------------------------------------------------------------------------------------

    // A catalog query rather than to_regclass(): after waiting for the lock, a name lookup could still be
    // answered from this backend's cache of "no such table"; a query sees what the other migrator committed.
    private const string ReadMigrationsTableSql = """
        SELECT EXISTS (
            SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relname = 'dbos_migrations')
        """;
    private const string ReadVersionSql = "SELECT max(version) FROM {schema}.dbos_migrations";
    private const string TakeMigrationLockSql = "SELECT pg_advisory_xact_lock($1)";
    private const string SetMigrationLockTimeoutSql = "SET LOCAL lock_timeout = '60s'";

    public async Task PingAsync(CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(Qualify(ReadVersionSql));
        await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<long?> ReadSchemaVersionAsync(CancellationToken cancellationToken)
    {
        NpgsqlConnection connection;
        try
        {
            connection = await OpenWithTimeoutAsync(_dataSource, _options.ConnectTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidCatalogName)
        {
            return null; // no database, so no schema: unlike a start, the client creates nothing
        }
        catch (Exception e) when (IsConnectFailure(e, cancellationToken))
        {
            throw ConnectFailure(e);
        }

        await using (connection.ConfigureAwait(false))
        {
            return await ReadVersionAsync(connection, null, cancellationToken).ConfigureAwait(false);
        }
    }

    private const string DropSchemaSql = "DROP SCHEMA IF EXISTS {schema} CASCADE";

    public async Task DropSchemaAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await OpenWithTimeoutAsync(_dataSource, _options.ConnectTimeout, cancellationToken).ConfigureAwait(false);
            await using var drop = new NpgsqlCommand(Qualify(DropSchemaSql), connection);
            await drop.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidCatalogName)
        {
            // No database: nothing to drop.
        }
        catch (Exception e) when (e is not PostgresException && IsConnectFailure(e, cancellationToken))
        {
            throw ConnectFailure(e);
        }
    }

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenForStartupAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var version = await ReadVersionAsync(connection, null, cancellationToken).ConfigureAwait(false);
            if (version >= PostgresSchema.Version)
            {
                LogSchemaUpToDate(_logger, _schema, version.Value, Description);
                return;
            }

            // Read committed whatever the server's default: after the lock, reads must see the other migrator's commit.
            await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false);
            await using (var batch = new NpgsqlBatch(connection, transaction))
            {
                // Transaction-scoped, so a crash mid-migration releases it; the key is the one every DBOS migrator takes.
                batch.BatchCommands.Add(new NpgsqlBatchCommand(SetMigrationLockTimeoutSql));
                batch.BatchCommands.Add(new NpgsqlBatchCommand(TakeMigrationLockSql) { Parameters = { BigInt(PostgresSchema.MigrationLockKey) } });
                await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            // Another process may have migrated while we waited for the lock.
            version = await ReadVersionAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            IReadOnlyList<string> statements;
            if (version is null)
            {
                LogCreatingSchema(_logger, _schema, Description);
                statements = PostgresSchema.CreateAll;
            }
            else if (version >= PostgresSchema.Version)
            {
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                LogSchemaUpToDate(_logger, _schema, version.Value, Description);
                return;
            }
            else if (version >= PostgresSchema.OldestUpgradableVersion)
            {
                LogUpgradingSchema(_logger, _schema, version.Value, PostgresSchema.Version, Description);
                statements = PostgresSchema.UpgradeFrom108;
            }
            else
            {
                throw new DbosInitializationException(
                    $"The DBOS system database ({Description}, schema '{_schema}') is at migration version {version}, older than " +
                    $"{PostgresSchema.OldestUpgradableVersion}, which this SDK cannot upgrade. Migrate it with DBOS 5.3 or later " +
                    $"('npx @dbos-inc/dbos-sdk@5 migrate'), or point SystemDatabaseUrl at a new database.");
            }

            await using (var batch = new NpgsqlBatch(connection, transaction))
            {
                foreach (var statement in PostgresSchema.ForSchema(statements, _quotedSchema))
                {
                    batch.BatchCommands.Add(new NpgsqlBatchCommand(statement));
                }

                await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            LogSchemaMigrated(_logger, _schema, PostgresSchema.Version, Description);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.LockNotAvailable)
        {
            throw new DbosInitializationException(
                $"Timed out after a minute waiting for a lock while migrating the DBOS system database ({Description}): another process is " +
                "migrating it (advisory lock 1234567890) or holds the tables being changed. Check pg_locks for a stuck session and start again.", e);
        }
        catch (PostgresException e)
        {
            throw new DbosInitializationException(
                $"Could not create or upgrade the DBOS system tables in schema '{_schema}' of {Description}: {e.MessageText} (SQLSTATE {e.SqlState}). " +
                "Check that the user may create schemas and tables in this database, and that the schema holds no other tables with the DBOS names.", e);
        }
        catch (NpgsqlException e)
        {
            throw new DbosInitializationException(
                $"Lost the connection to the DBOS system database ({Description}) while migrating it: {e.Message}. Check the server and start again.", e);
        }
    }

    private async Task<long?> ReadVersionAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        await using (var exists = new NpgsqlCommand(ReadMigrationsTableSql, connection, transaction))
        {
            exists.Parameters.Add(Text(_schema));
            if (!(bool)(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
            {
                return null;
            }
        }

        await using var read = new NpgsqlCommand(Qualify(ReadVersionSql), connection, transaction);
        var version = await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        // A bookkeeping table without a row is an interrupted foreign migration: treat it as version 0 (refused).
        return version is long v ? v : 0;
    }

    /// <summary>Opens a connection for start-up, creating the database if it does not exist (as DBOS does), and
    /// turns every way of failing into a <see cref="DbosInitializationException"/> that says what to check.</summary>
    private async Task<NpgsqlConnection> OpenForStartupAsync(CancellationToken cancellationToken)
    {
        // A server that is still starting (refusing connections, or "the database system is starting up") is waited
        // for until ConnectTimeout, as containers started together expect; other failures are reported at once.
        var clock = _options.TimeProvider;
        var started = clock.GetTimestamp();
        var delay = FirstConnectRetryDelay;
        Exception? lastFailure = null;
        while (true)
        {
            try
            {
                return await OpenWithTimeoutAsync(_dataSource, _options.ConnectTimeout - clock.GetElapsedTime(started), cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidCatalogName)
            {
                await CreateDatabaseAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    return await OpenWithTimeoutAsync(_dataSource, _options.ConnectTimeout, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception again) when (IsConnectFailure(again, cancellationToken))
                {
                    throw ConnectFailure(again);
                }
            }
            catch (Exception e) when (IsConnectFailure(e, cancellationToken))
            {
                // Running out of time on the last attempt says less than the refusal before it.
                if (e is not (OperationCanceledException or TimeoutException) || lastFailure is null)
                {
                    lastFailure = e;
                }

                var remaining = _options.ConnectTimeout - clock.GetElapsedTime(started);
                if (!IsNotReachableYet(e) || remaining <= TimeSpan.Zero)
                {
                    throw ConnectFailure(lastFailure);
                }

                var wait = delay < remaining ? delay : remaining;
                LogWaitingForServer(_logger, Description, e.GetBaseException().Message, (int)wait.TotalMilliseconds, remaining.TotalSeconds);
                await Task.Delay(wait, clock, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(MaxConnectRetryDelay.Ticks, delay.Ticks * 2));
            }
        }
    }

    private static readonly TimeSpan FirstConnectRetryDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxConnectRetryDelay = TimeSpan.FromSeconds(2);

    /// <summary>Failures of a server that is not up yet: nothing listens, the name does not resolve yet, or PostgreSQL
    /// answers that it is starting. A wrong password or a full server is not waited for.</summary>
    private static bool IsNotReachableYet(Exception e) => e switch
    {
        PostgresException p => p.SqlState is PostgresErrorCodes.CannotConnectNow,
        OperationCanceledException or TimeoutException or NpgsqlException { InnerException: TimeoutException } => true,
        NpgsqlException { InnerException: System.Net.Sockets.SocketException or System.IO.IOException } => true,
        System.Net.Sockets.SocketException or System.IO.IOException => true,
        _ => false,
    };

    private async Task<NpgsqlConnection> OpenWithTimeoutAsync(NpgsqlDataSource dataSource, TimeSpan limit, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(limit > TimeSpan.Zero ? limit : TimeSpan.FromMilliseconds(1));
        var open = dataSource.OpenConnectionAsync(timeout.Token).AsTask();
        try
        {
            // Npgsql honours the token only while connecting the socket, not while waiting for the server's
            // first answer: stop waiting here, and close the connection should it still open later.
            return await open.WaitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!open.IsCompleted)
        {
            _ = open.ContinueWith(
                static t =>
                {
                    if (t.IsCompletedSuccessfully)
                    {
                        t.Result.Dispose();
                    }
                    else
                    {
                        _ = t.Exception;
                    }
                },
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
            throw;
        }
    }

    private const string CreateDatabaseSql = "CREATE DATABASE {database}";

    private async Task CreateDatabaseAsync(CancellationToken cancellationToken)
    {
        var database = _settings.Database ?? _settings.Username ?? "postgres";
        var maintenance = new NpgsqlConnectionStringBuilder(_settings.ConnectionString) { Database = "postgres", Pooling = false };
        await using var dataSource = NpgsqlDataSource.Create(maintenance.ConnectionString);
        try
        {
            await using var connection = await OpenWithTimeoutAsync(dataSource, _options.ConnectTimeout, cancellationToken).ConfigureAwait(false);
            await using var create = new NpgsqlCommand(CreateDatabaseSql.Replace("{database}", QuoteDatabaseName(database), StringComparison.Ordinal), connection);
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            LogCreatedDatabase(_logger, Description);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DuplicateDatabase or PostgresErrorCodes.UniqueViolation)
        {
            // Another process created it at the same time.
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.InsufficientPrivilege)
        {
            throw new DbosInitializationException(
                $"The DBOS system database does not exist ({Description}) and this user may not create it: {e.MessageText}. " +
                "Create the database (CREATE DATABASE), or give the user the CREATEDB privilege.", e);
        }
        catch (Exception e) when (IsConnectFailure(e, cancellationToken))
        {
            throw new DbosInitializationException(
                $"The DBOS system database does not exist ({Description}) and could not be created through the 'postgres' database: {e.Message}. " +
                "Create the database (CREATE DATABASE) and start again.", e);
        }
    }

    private static string QuoteDatabaseName(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static bool IsConnectFailure(Exception e, CancellationToken cancellationToken) =>
        e is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException or System.IO.IOException ||
        (e is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    private DbosInitializationException ConnectFailure(Exception e)
    {
        var seconds = _options.ConnectTimeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture);
        var (reason, check) = e switch
        {
            PostgresException { SqlState: PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification } p =>
                ($"authentication failed ({p.MessageText})", "Check the user name and password in SystemDatabaseUrl (and pg_hba.conf on the server)."),
            PostgresException { SqlState: PostgresErrorCodes.InvalidCatalogName } p =>
                ($"the database does not exist ({p.MessageText})", "Create the database, or fix its name in SystemDatabaseUrl."),
            PostgresException { SqlState: PostgresErrorCodes.TooManyConnections } p =>
                ($"the server refused the connection ({p.MessageText})", "Lower SystemDatabasePoolSize or raise max_connections on the server."),
            PostgresException p =>
                ($"the server refused the connection ({p.MessageText}, SQLSTATE {p.SqlState})", "Check the server's log and the settings in SystemDatabaseUrl."),
            OperationCanceledException or TimeoutException or NpgsqlException { InnerException: TimeoutException } =>
                ($"no answer within {seconds} s", "Check that PostgreSQL is running and reachable from this machine at that host and port (firewall, VPN, listen_addresses)."),
            _ =>
                ($"{e.GetBaseException().Message} (tried for {seconds} s, ConnectTimeout)", "Check that PostgreSQL is running and reachable from this machine at that host and port, and the settings in SystemDatabaseUrl."),
        };
        return new DbosInitializationException($"Could not connect to the DBOS system database ({Description}): {reason}. {check}", e);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Workflow status
    // ---------------------------------------------------------------------------------------------------------

    // The status row and its input in one statement. The input is stored only by the call that created the row
    // (its owner token came back), so a repeated ID never replaces the first input, including a legacy one.
    private const string InsertWorkflowStatusSql = """
        WITH ws AS (
            INSERT INTO {schema}.workflow_status (
                workflow_uuid, status, name, class_name, config_name, authenticated_user, assumed_role, authenticated_roles,
                request, executor_id, application_version, application_name, created_at, updated_at, recovery_attempts,
                queue_name, workflow_timeout_ms, workflow_deadline_epoch_ms, parent_workflow_id, owner_xid, creator_xid,
                serialization, started_at_epoch_ms, inputs, attributes, deduplication_id, priority, queue_partition_key, delay_until_epoch_ms,
                schedule_name)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14, $15, $16, $17, $18, $19, $19, $20,
                CASE WHEN $2 = 'PENDING' THEN $13 END, NULL, $22::jsonb, $23, COALESCE($24, 0), $25, $26, $27)
            ON CONFLICT (workflow_uuid) DO UPDATE SET updated_at = EXCLUDED.updated_at
            RETURNING status, name, class_name, config_name, queue_name, owner_xid, workflow_deadline_epoch_ms, serialization
        ), wi AS (
            INSERT INTO {schema}.workflow_input (workflow_uuid, inputs)
            SELECT $1, $21 FROM ws WHERE ws.owner_xid = $19
            ON CONFLICT (workflow_uuid) DO NOTHING
        )
        SELECT status, name, class_name, config_name, queue_name, owner_xid, workflow_deadline_epoch_ms, serialization,
            (SELECT count(*) FROM (SELECT pg_notify('dbos_dotnet_queue_channel', $15) WHERE $2 = 'ENQUEUED' AND ws.owner_xid = $19) AS n)
        FROM ws
        """;

    public async Task<InsertWorkflowResult> InsertWorkflowStatusAsync(WorkflowStatusInsert row, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(row);
        NpgsqlParameter[] parameters =
        [
            Text(row.WorkflowId), Text(row.Status), Text(row.Name), Varchar(row.ClassName), Varchar(row.ConfigName),
            Text(row.AuthenticatedUser), Text(row.AssumedRole), Text(row.AuthenticatedRoles), Text(row.Request), Text(row.ExecutorId),
            Text(row.ApplicationVersion), Text(row.ApplicationName), BigInt(row.CreatedAt), BigInt(row.RecoveryAttempts), Text(row.QueueName),
            BigInt(row.TimeoutMs), BigInt(row.DeadlineEpochMs), Text(row.ParentWorkflowId), Text(row.OwnerXid), Text(row.Serialization),
            Text(row.Inputs), Text(row.Attributes), Text(row.DeduplicationId), IntOrNull(row.Priority), Text(row.PartitionKey), BigInt(row.DelayUntilEpochMs),
            Text(row.ScheduleName),
        ];
        try
        {
            return await InsertAsync().ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName == "uq_workflow_status_dedup_id")
        {
            throw new QueueDeduplicatedException(row.WorkflowId, row.QueueName ?? string.Empty, row.DeduplicationId ?? string.Empty);
        }

        Task<InsertWorkflowResult> InsertAsync() => _commitGroup.RunAsync(_insertWorkflowStatusSql, parameters, async reader =>
        {
            if (!await reader.ReadAsync().ConfigureAwait(false))
            {
                throw new InvalidOperationException($"Inserting workflow {row.WorkflowId} returned no row.");
            }

            var ownerXid = GetString(reader, 5);
            return new InsertWorkflowResult(
                Status: GetString(reader, 0) ?? string.Empty,
                Name: GetString(reader, 1),
                ClassName: GetString(reader, 2),
                ConfigName: GetString(reader, 3),
                QueueName: GetString(reader, 4),
                OwnerXid: ownerXid,
                DeadlineEpochMs: GetInt64(reader, 6),
                Serialization: GetString(reader, 7),
                Inserted: string.Equals(ownerXid, row.OwnerXid, StringComparison.Ordinal));
        });
    }

    // The outcome lands in workflow_output only when the status update matched (still PENDING, still ours); the
    // legacy output/error columns stay NULL. The row keeps the serialization its inputs were written with.
    private const string RecordWorkflowOutcomeSql = """
        WITH ws AS (
            UPDATE {schema}.workflow_status
            SET status = $3, updated_at = $6, completed_at = $6, deduplication_id = NULL, serialization = COALESCE(serialization, $7)
            WHERE workflow_uuid = $1 AND status = 'PENDING' AND owner_xid = $2
            RETURNING workflow_uuid
        ), wo AS (
            INSERT INTO {schema}.workflow_output (workflow_uuid, output, error)
            SELECT workflow_uuid, $4, $5 FROM ws
            ON CONFLICT (workflow_uuid) DO UPDATE SET output = EXCLUDED.output, error = EXCLUDED.error
        )
        SELECT count(*) FROM ws
        """;

    public Task<bool> RecordWorkflowOutcomeAsync(string workflowId, string ownerXid, WorkflowOutcome outcome, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        NpgsqlParameter[] parameters =
        [
            Text(workflowId), Text(ownerXid), Text(outcome.Status), Text(outcome.Output), Text(outcome.Error), BigInt(outcome.CompletedAt), Text(outcome.Serialization),
        ];
        return _commitGroup.RunAsync(_recordWorkflowOutcomeSql, parameters, async reader =>
        {
            await reader.ReadAsync().ConfigureAwait(false);
            return reader.GetInt64(0) > 0;
        });
    }

    // The columns WorkflowStatusRow reads, from a relation aliased ws; ReadStatusRow reads them in this order.
    private const string StatusColumns = """
        ws.workflow_uuid, ws.status, ws.name, ws.class_name, ws.config_name, ws.authenticated_user, ws.assumed_role,
        ws.authenticated_roles, ws.request, ws.executor_id, ws.application_version, ws.application_name, ws.created_at,
        ws.updated_at, COALESCE(ws.recovery_attempts, 0), ws.queue_name, ws.workflow_timeout_ms, ws.workflow_deadline_epoch_ms,
        ws.parent_workflow_id, ws.owner_xid, ws.serialization, ws.completed_at, ws.attributes::text
        """;

    // Payloads from the DBOS 5 tables, falling back to the legacy columns of rows written by older DBOS versions.
    private const string PayloadColumns = "COALESCE(wi.inputs, ws.inputs), COALESCE(wo.output, ws.output), COALESCE(wo.error, ws.error)";

    private const string PayloadJoins = """
        LEFT JOIN {schema}.workflow_input wi ON wi.workflow_uuid = ws.workflow_uuid
        LEFT JOIN {schema}.workflow_output wo ON wo.workflow_uuid = ws.workflow_uuid
        """;

    private const string GetWorkflowStatusSql =
        "SELECT " + StatusColumns + ", NULL::text, NULL::text, NULL::text FROM {schema}.workflow_status ws WHERE ws.workflow_uuid = $1";

    private const string GetWorkflowStatusWithPayloadsSql =
        "SELECT " + StatusColumns + ", " + PayloadColumns + " FROM {schema}.workflow_status ws\n" + PayloadJoins + "\nWHERE ws.workflow_uuid = $1";

    public async Task<WorkflowStatusRow?> GetWorkflowStatusAsync(string workflowId, bool loadPayloads, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(loadPayloads ? _getWorkflowStatusWithPayloadsSql : _getWorkflowStatusSql);
        command.Parameters.Add(Text(workflowId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadStatusRow(reader) : null;
    }

    private static WorkflowStatusRow ReadStatusRow(NpgsqlDataReader reader) => new(
        WorkflowId: reader.GetString(0),
        Status: GetString(reader, 1) ?? string.Empty,
        Name: GetString(reader, 2),
        ClassName: GetString(reader, 3),
        ConfigName: GetString(reader, 4),
        AuthenticatedUser: GetString(reader, 5),
        AssumedRole: GetString(reader, 6),
        AuthenticatedRoles: GetString(reader, 7),
        Request: GetString(reader, 8),
        ExecutorId: GetString(reader, 9),
        ApplicationVersion: GetString(reader, 10),
        ApplicationName: GetString(reader, 11),
        CreatedAt: reader.GetInt64(12),
        UpdatedAt: reader.GetInt64(13),
        RecoveryAttempts: reader.GetInt64(14),
        QueueName: GetString(reader, 15),
        TimeoutMs: GetInt64(reader, 16),
        DeadlineEpochMs: GetInt64(reader, 17),
        ParentWorkflowId: GetString(reader, 18),
        OwnerXid: GetString(reader, 19),
        Serialization: GetString(reader, 20),
        CompletedAt: GetInt64(reader, 21),
        Inputs: GetString(reader, 23),
        Output: GetString(reader, 24),
        Error: GetString(reader, 25),
        Attributes: GetString(reader, 22));

    // ---------------------------------------------------------------------------------------------------------
    // Operations (steps)
    // ---------------------------------------------------------------------------------------------------------

    private const string OperationColumns =
        "function_id, function_name, output, error, serialization, child_workflow_id, started_at_epoch_ms, completed_at_epoch_ms";

    private const string GetOperationsSql =
        "SELECT " + OperationColumns + " FROM {schema}.operation_outputs WHERE workflow_uuid = $1 ORDER BY function_id";

    private const string GetOperationSql =
        "SELECT " + OperationColumns + " FROM {schema}.operation_outputs WHERE workflow_uuid = $1 AND function_id = $2";

    public async Task<IReadOnlyList<OperationRecord>> GetOperationsAsync(string workflowId, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(_getOperationsSql);
        command.Parameters.Add(Text(workflowId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var operations = new List<OperationRecord>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            operations.Add(ReadOperation(reader, 0));
        }

        return operations;
    }

    // The fence of every checkpoint write: the workflow's status and owner, read in the write's own statement.
    internal const string FenceCte = "fence AS (SELECT status, owner_xid FROM {schema}.workflow_status WHERE workflow_uuid = $1)";

    // Inserts the record only while the fence holds, or returns the one already there. The first column says which:
    // 0 is our insert, 1 the existing record, 2 a refused write (with the status the fence found, NULL when the row is gone).
    private const string RecordOperationSql = "WITH " + FenceCte + """
        , ins AS (
            INSERT INTO {schema}.operation_outputs (workflow_uuid, function_id, function_name, output, error, serialization,
                child_workflow_id, started_at_epoch_ms, completed_at_epoch_ms, application_name)
            SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 FROM fence WHERE fence.status = 'PENDING' AND fence.owner_xid = $11
            ON CONFLICT (workflow_uuid, function_id) DO NOTHING
            RETURNING function_id
        )
        SELECT 0, function_id, NULL::text, NULL::text, NULL::text, NULL::text, NULL::text, NULL::bigint, NULL::bigint FROM ins
        UNION ALL
        SELECT 2, 0, (SELECT status FROM fence), NULL, NULL, NULL, NULL, NULL, NULL
        WHERE NOT EXISTS (SELECT 1 FROM fence WHERE fence.status = 'PENDING' AND fence.owner_xid = $11)
        UNION ALL
        SELECT 1, function_id, function_name, output, error, serialization, child_workflow_id, started_at_epoch_ms, completed_at_epoch_ms
        FROM {schema}.operation_outputs
        WHERE workflow_uuid = $1 AND function_id = $2 AND NOT EXISTS (SELECT 1 FROM ins)
        """;

    public async Task<OperationRecord?> RecordOperationAsync(string workflowId, string ownerXid, OperationRecord operation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        NpgsqlParameter[] parameters =
        [
            Text(workflowId), Int(operation.FunctionId), Text(operation.FunctionName), Text(operation.Output), Text(operation.Error),
            Text(operation.Serialization), Text(operation.ChildWorkflowId), BigInt(operation.StartedAt), BigInt(operation.CompletedAt), Text(_applicationName),
            Text(ownerXid),
        ];
        var (found, existing, refused, status) = await _commitGroup.RunAsync(_recordOperationSql, parameters, async reader =>
        {
            (bool, OperationRecord?, bool, string?) result = (false, null, false, null);
            while (await reader.ReadAsync().ConfigureAwait(false))
            {
                switch (reader.GetInt32(0))
                {
                    case 0:
                        result = (true, null, result.Item3, result.Item4);
                        break;
                    case 1:
                        result = (true, ReadOperation(reader, 1), result.Item3, result.Item4);
                        break;
                    default:
                        result = (result.Item1, result.Item2, true, GetString(reader, 2));
                        break;
                }
            }

            return result;
        }).ConfigureAwait(false);
        if (refused)
        {
            throw WorkflowFence.Refused(workflowId, status);
        }

        if (found)
        {
            return existing;
        }

        // Neither inserted nor visible: a concurrent execution committed the same step after this statement's
        // snapshot was taken. A new statement sees it (rare; only when two executions race on one step).
        return await ReadOperationAsync(workflowId, operation.FunctionId, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"Step {operation.FunctionId} of workflow {workflowId} was neither recorded nor found.");
    }

    private static OperationRecord ReadOperation(NpgsqlDataReader reader, int first) => new(
        FunctionId: reader.GetInt32(first),
        FunctionName: GetString(reader, first + 1) ?? string.Empty,
        Output: GetString(reader, first + 2),
        Error: GetString(reader, first + 3),
        Serialization: GetString(reader, first + 4),
        ChildWorkflowId: GetString(reader, first + 5),
        StartedAt: GetInt64(reader, first + 6),
        CompletedAt: GetInt64(reader, first + 7));

    // ---------------------------------------------------------------------------------------------------------
    // Recovery
    // ---------------------------------------------------------------------------------------------------------

    // Rows of another application are not ours; unclaimed rows (application_name NULL) are anyone's.
    private const string GetPendingWorkflowsSql = """
        SELECT workflow_uuid, name, class_name, owner_xid, COALESCE(recovery_attempts, 0), queue_name
        FROM {schema}.workflow_status
        WHERE status = 'PENDING' AND executor_id = $1 AND application_version = $2
          AND ($3::text IS NULL OR application_name IS NULL OR application_name = $3)
        ORDER BY created_at
        """;

    public async Task<IReadOnlyList<PendingWorkflow>> GetPendingWorkflowsAsync(string executorId, string applicationVersion, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(_getPendingWorkflowsSql);
        command.Parameters.Add(Text(executorId));
        command.Parameters.Add(Text(applicationVersion));
        command.Parameters.Add(Text(_applicationName));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var pending = new List<PendingWorkflow>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            pending.Add(new PendingWorkflow(
                WorkflowId: reader.GetString(0),
                Name: GetString(reader, 1),
                ClassName: GetString(reader, 2),
                OwnerXid: GetString(reader, 3),
                RecoveryAttempts: reader.GetInt64(4),
                QueueName: GetString(reader, 5)));
        }

        return pending;
    }

    // Our owner tokens are 'dn1:' + 16 hex digits of the instance + ':' + 16 more (OwnerTokens); substr takes the instance.
    private const string PendingOwnerInstancesSql = """
        SELECT DISTINCT substr(owner_xid, 5, 16)
        FROM {schema}.workflow_status
        WHERE status = 'PENDING' AND owner_xid LIKE 'dn1:%' AND length(owner_xid) = 37 AND application_version = $1
          AND substr(owner_xid, 5, 16) <> $2
          AND ($3::text IS NULL OR application_name IS NULL OR application_name = $3)
        """;

    public async Task<IReadOnlyList<string>> GetPendingOwnerInstancesAsync(string applicationVersion, string exceptInstance, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(Qualify(PendingOwnerInstancesSql));
        command.Parameters.Add(Text(applicationVersion));
        command.Parameters.Add(Text(exceptInstance));
        command.Parameters.Add(Text(_applicationName));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var instances = new List<string>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            instances.Add(reader.GetString(0));
        }

        return instances;
    }

    private const string PendingOfInstancesSql = """
        SELECT workflow_uuid, name, class_name, owner_xid, COALESCE(recovery_attempts, 0), queue_name
        FROM {schema}.workflow_status
        WHERE status = 'PENDING' AND owner_xid LIKE 'dn1:%' AND length(owner_xid) = 37 AND substr(owner_xid, 5, 16) = ANY($1)
          AND application_version = $2
          AND ($3::text IS NULL OR application_name IS NULL OR application_name = $3)
        ORDER BY created_at
        """;

    public async Task<IReadOnlyList<PendingWorkflow>> GetPendingWorkflowsOfInstancesAsync(IReadOnlyList<string> instances, string applicationVersion, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(Qualify(PendingOfInstancesSql));
        command.Parameters.Add(TextArray([.. instances]));
        command.Parameters.Add(Text(applicationVersion));
        command.Parameters.Add(Text(_applicationName));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var pending = new List<PendingWorkflow>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            pending.Add(new PendingWorkflow(reader.GetString(0), GetString(reader, 1), GetString(reader, 2), GetString(reader, 3), reader.GetInt64(4), GetString(reader, 5)));
        }

        return pending;
    }

    // The row lock makes a second claimer wait and then re-check owner_xid, which no longer matches: one winner per row.
    private const string ClaimForRecoverySql = """
        WITH c AS (
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) AS c(id, expected, owner)
        ), ws AS (
            UPDATE {schema}.workflow_status w
            SET owner_xid = c.owner, executor_id = $4, recovery_attempts = COALESCE(w.recovery_attempts, 0) + 1, updated_at = $5
            FROM c
            WHERE w.workflow_uuid = c.id AND w.status = 'PENDING' AND w.owner_xid IS NOT DISTINCT FROM c.expected
            RETURNING w.*
        )
        SELECT
        """ + " " + StatusColumns + ", " + PayloadColumns + "\nFROM ws\n" + PayloadJoins;

    // Second statement of the claim's batch (the same implicit transaction): the checkpoints of the rows it claimed.
    private const string ClaimedOperationsSql =
        "SELECT workflow_uuid, " + OperationColumns + " FROM {schema}.operation_outputs o WHERE o.workflow_uuid = ANY($1) " +
        "AND EXISTS (SELECT 1 FROM {schema}.workflow_status w WHERE w.workflow_uuid = o.workflow_uuid AND w.owner_xid = ANY($2)) ORDER BY workflow_uuid, function_id";

    public async Task<IReadOnlyList<ClaimedWorkflow>> ClaimForRecoveryAsync(IReadOnlyList<RecoveryClaim> claims, string executorId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claims);
        if (claims.Count == 0)
        {
            return [];
        }

        var ids = new string[claims.Count];
        var expected = new string?[claims.Count];
        var owners = new string[claims.Count];
        for (var i = 0; i < claims.Count; i++)
        {
            (ids[i], expected[i], owners[i]) = (claims[i].WorkflowId, claims[i].ExpectedOwnerXid, claims[i].NewOwnerXid);
        }

        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(new NpgsqlBatchCommand(_claimForRecoverySql)
        {
            Parameters = { TextArray(ids), TextArray(expected), TextArray(owners), Text(executorId), BigInt(NowMs()) },
        });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(_claimedOperationsSql) { Parameters = { TextArray(ids), TextArray(owners) } });
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<WorkflowStatusRow>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(ReadStatusRow(reader));
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var operations = await ReadOperationsByWorkflowAsync(reader, cancellationToken).ConfigureAwait(false);

        var claimed = new List<ClaimedWorkflow>(rows.Count);
        foreach (var row in rows)
        {
            claimed.Add(new ClaimedWorkflow(row, operations.TryGetValue(row.WorkflowId, out var recorded) ? recorded : []));
        }

        return claimed;
    }

    private const string MarkMaxRecoveryAttemptsExceededSql = """
        UPDATE {schema}.workflow_status
        SET status = 'MAX_RECOVERY_ATTEMPTS_EXCEEDED', completed_at = $2, updated_at = $2,
            queue_name = NULL, deduplication_id = NULL, started_at_epoch_ms = NULL
        WHERE workflow_uuid = $1 AND status IN ('PENDING', 'ENQUEUED')
        """;

    public async Task MarkMaxRecoveryAttemptsExceededAsync(string workflowId, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(_markMaxRecoveryAttemptsExceededSql);
        command.Parameters.Add(Text(workflowId));
        command.Parameters.Add(BigInt(NowMs()));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Application versions
    // ---------------------------------------------------------------------------------------------------------

    // Inserts the version unless its name is already registered (version_name is unique across applications),
    // then compares its timestamp with the latest one this application sees (its own and unclaimed versions).
    // The row inserted here is not visible to the rest of the statement, hence the UNION with ins.
    private const string RegisterApplicationVersionSql = """
        WITH ins AS (
            INSERT INTO {schema}.application_versions (version_id, version_name, application_name)
            VALUES ($1, $2, $3)
            ON CONFLICT DO NOTHING
            RETURNING version_timestamp
        ), mine AS (
            SELECT version_timestamp FROM ins
            UNION ALL
            (SELECT version_timestamp FROM {schema}.application_versions
             WHERE version_name = $2
             ORDER BY (application_name IS NOT DISTINCT FROM $3) DESC
             LIMIT 1)
        )
        SELECT COALESCE(
            (SELECT max(version_timestamp) FROM mine) >= (
                SELECT COALESCE(max(version_timestamp), 0) FROM {schema}.application_versions
                WHERE $3::text IS NULL OR application_name IS NULL OR application_name = $3),
            true)
        """;

    public async Task<bool> RegisterApplicationVersionAsync(string version, string? applicationName, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(_registerApplicationVersionSql);
        command.Parameters.Add(Text(Guid.NewGuid().ToString()));
        command.Parameters.Add(Text(version));
        command.Parameters.Add(Text(applicationName));
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public async ValueTask DisposeAsync()
    {
        await _listenerStop.CancelAsync().ConfigureAwait(false);
        try
        {
            // Its connection holds the liveness locks: when this returns, other processes see this runtime gone.
            await _listener.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _logger.LogWarning("The notification listener did not stop within 5 s; its connection is closed when the process exits.");
        }

        _listenerStop.Dispose();
        await _commitGroup.DisposeAsync().ConfigureAwait(false);
        await _dataSource.DisposeAsync().ConfigureAwait(false);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Parameters and columns
    // ---------------------------------------------------------------------------------------------------------

    private static NpgsqlParameter Text(string? value) => new() { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)value ?? DBNull.Value };

    private static NpgsqlParameter Varchar(string? value) => new() { NpgsqlDbType = NpgsqlDbType.Varchar, Value = (object?)value ?? DBNull.Value };

    private static NpgsqlParameter BigInt(long? value) => new() { NpgsqlDbType = NpgsqlDbType.Bigint, Value = value is { } v ? v : DBNull.Value };

    private static NpgsqlParameter TextArray(string?[] values) => new() { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, Value = values };

    private static NpgsqlParameter IntOrNull(int? value) => new() { NpgsqlDbType = NpgsqlDbType.Integer, Value = value is { } v ? v : DBNull.Value };

    private static NpgsqlParameter Int(int value) => new() { NpgsqlDbType = NpgsqlDbType.Integer, Value = value };

    private static string? GetString(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static long? GetInt64(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt64(ordinal);

    // ---------------------------------------------------------------------------------------------------------
    // Logging
    // ---------------------------------------------------------------------------------------------------------

    [LoggerMessage(EventId = 100, Level = LogLevel.Debug, Message = "DBOS system database schema '{Schema}' is at version {Version} ({Database})")]
    private static partial void LogSchemaUpToDate(ILogger logger, string schema, long version, string database);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Creating the DBOS system tables in schema '{Schema}' ({Database})")]
    private static partial void LogCreatingSchema(ILogger logger, string schema, string database);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "Upgrading DBOS system schema '{Schema}' from version {From} to {To} ({Database})")]
    private static partial void LogUpgradingSchema(ILogger logger, string schema, long from, long to, string database);

    [LoggerMessage(EventId = 103, Level = LogLevel.Information, Message = "DBOS system schema '{Schema}' migrated to version {Version} ({Database})")]
    private static partial void LogSchemaMigrated(ILogger logger, string schema, long version, string database);

    [LoggerMessage(EventId = 105, Level = LogLevel.Warning,
        Message = "Cannot reach the DBOS system database ({Database}) yet: {Reason}. Retrying in {DelayMs} ms; {RemainingSeconds:0.0} s left of ConnectTimeout")]
    private static partial void LogWaitingForServer(ILogger logger, string database, string reason, int delayMs, double remainingSeconds);

    [LoggerMessage(EventId = 104, Level = LogLevel.Information, Message = "Created the DBOS system database ({Database})")]
    private static partial void LogCreatedDatabase(ILogger logger, string database);
}
