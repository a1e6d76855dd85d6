using System;
using System.Collections.Generic;
using System.Data;
using System.Data.Common;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Dbos.Transactions;

/// <summary>
/// The application database of one runtime: where <c>[Transaction]</c> methods run and their outputs are recorded, in
/// <c>transaction_outputs</c> (PostgreSQL: <c>dbos.transaction_outputs</c>), the table DBOS Transact (Python) keeps there.
/// The table is created at the first transaction, not at start, so that an application's own
/// <c>Database.EnsureCreated()</c>, which does nothing in a database that has any table, still runs first.
/// </summary>
internal sealed class ApplicationDatabase
{
    private static readonly ConditionalWeakTable<DbosRuntime, ApplicationDatabase> ByRuntime = new();

    private readonly DbosRuntime _runtime;
    private readonly SemaphoreSlim _schemaGate = new(1, 1);
    private volatile bool _schemaReady;

    private ApplicationDatabase(DbosRuntime runtime, ApplicationDatabaseRegistration registration)
    {
        _runtime = runtime;
        Registration = registration;
    }

    public ApplicationDatabaseRegistration Registration { get; }

    /// <summary>The runtime's application database; throws, naming the option to set, when none is configured.</summary>
    public static ApplicationDatabase For(DbosRuntime runtime, string transactionName)
    {
        if (ByRuntime.TryGetValue(runtime, out var existing))
        {
            return existing;
        }

        var registration = runtime.Options.ApplicationDatabase ?? throw new InvalidOperationException(
            $"[Transaction] '{transactionName}' needs an application database, and none is configured. Register your EF Core DbContext: " +
            "services.AddDbContext<AppDb>(...) and AddDbos(options => options.UseApplicationDatabase<AppDb>()), " +
            "or without a host DbosOptions.UseApplicationDatabase(() => new AppDb(...)).");
        return ByRuntime.GetValue(runtime, r => new ApplicationDatabase(r, registration));
    }

    public ApplicationContextLease CreateContext() => Registration.Create(_runtime.Services);

    /// <summary>Creates <c>transaction_outputs</c> if it does not exist: idempotent, and safe when several processes do it at once.</summary>
    public async Task EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        if (_schemaReady || !_runtime.Options.RunMigrations)
        {
            return;
        }

        await _schemaGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_schemaReady)
            {
                return;
            }

            await using var lease = CreateContext();
            var (connection, sql, exists) = await OpenAsync(lease, cancellationToken).ConfigureAwait(false);
            if (!exists)
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                foreach (var statement in sql.CreateSchema)
                {
                    await ExecuteAsync(connection, transaction, statement, cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }

            _schemaReady = true;
        }
        finally
        {
            _schemaGate.Release();
        }
    }

    /// <summary>Deletes the <c>transaction_outputs</c> rows of these workflows (nothing when the table does not exist yet). Called
    /// before their system rows are deleted, so an interrupted delete never leaves rows that a new workflow reusing an ID would
    /// take for its own transactions' outputs.</summary>
    public async Task PurgeOutputsAsync(IReadOnlyList<string> workflowIds, CancellationToken cancellationToken)
    {
        if (workflowIds.Count == 0)
        {
            return;
        }

        await using var lease = CreateContext();
        var (connection, sql, exists) = await OpenAsync(lease, cancellationToken).ConfigureAwait(false);
        if (!exists)
        {
            return;
        }

        await using var command = Command(connection, null, sql.DeleteOutputs, JsonSerializer.Serialize([.. workflowIds], Serialization.DbosJsonContext.Default.StringArray));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Opens the lease's connection; with the engine's statements and whether <c>transaction_outputs</c> exists.</summary>
    private static async Task<(DbConnection Connection, Sql Sql, bool TableExists)> OpenAsync(ApplicationContextLease lease, CancellationToken cancellationToken)
    {
        await lease.Context.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var connection = lease.Context.Database.GetDbConnection();
        var sql = Sql.For(connection);
        return (connection, sql, await ScalarAsync(connection, null, sql.TableExists, cancellationToken).ConfigureAwait(false) is true or 1L);
    }

    /// <summary>The output recorded for this operation by an execution whose transaction committed, or null. Read outside
    /// the transaction (<paramref name="transaction"/> null) so a serializable transaction does not read the table it writes.</summary>
    public static async Task<RecordedTransaction?> GetRecordedAsync(DbConnection connection, DbTransaction? transaction, string workflowId, int functionId, CancellationToken cancellationToken)
    {
        var sql = Sql.For(connection);
        await using var command = Command(connection, transaction, sql.SelectOutput, workflowId, functionId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return new RecordedTransaction(
            reader.IsDBNull(0) ? null : reader.GetString(0),
            reader.IsDBNull(1) ? null : reader.GetString(1),
            reader.IsDBNull(2) ? string.Empty : reader.GetString(2));
    }

    /// <summary>Records the output (or error) inside <paramref name="transaction"/>. Returns false when this operation is
    /// already recorded: another execution of the workflow committed first (only possible for errors, which are recorded
    /// after the rollback; an output insert conflicts instead, and its transaction is retried).</summary>
    public static async Task<bool> RecordAsync(
        DbConnection connection, DbTransaction transaction, string workflowId, int functionId, string functionName,
        string? output, string? error, string executorId, long createdAt, bool ignoreConflict, CancellationToken cancellationToken)
    {
        var sql = Sql.For(connection);
        await using var command = Command(connection, transaction, ignoreConflict ? sql.InsertOutputIgnoringConflict : sql.InsertOutput,
            workflowId, functionId, output, error, executorId, functionName, createdAt);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    public static Task MakeReadOnlyAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
        => ExecuteAsync(connection, transaction, Sql.For(connection).ReadOnly, cancellationToken);

    /// <summary>Undoes <see cref="MakeReadOnlyAsync"/> where the setting outlives the transaction (SQLite's pragma is per connection).</summary>
    public static async Task ResetReadOnlyAsync(DbConnection connection)
    {
        if (Sql.For(connection).ResetReadOnly is { } reset && connection.State == ConnectionState.Open)
        {
            await ExecuteAsync(connection, null, reset, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Begins the database transaction. SQLite: serializable always; deferred (no write lock) when read-only.</summary>
    public static async Task<DbTransaction> BeginAsync(DbConnection connection, TransactionIsolationLevel level, bool readOnly, CancellationToken cancellationToken)
    {
        _ = Sql.For(connection);
        if (connection is SqliteConnection sqlite)
        {
            return sqlite.BeginTransaction(IsolationLevel.Serializable, deferred: readOnly);
        }

        var isolation = level switch
        {
            TransactionIsolationLevel.RepeatableRead => IsolationLevel.RepeatableRead,
            TransactionIsolationLevel.ReadCommitted => IsolationLevel.ReadCommitted,
            _ => IsolationLevel.Serializable,
        };
        return await connection.BeginTransactionAsync(isolation, cancellationToken).ConfigureAwait(false);
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, sql);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<object?> ScalarAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, sql);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
    }

    private static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql, params object?[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        for (var i = 0; i < parameters.Length; i++)
        {
            var parameter = command.CreateParameter();
            if (connection is SqliteConnection)
            {
                parameter.ParameterName = "$" + (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            parameter.Value = parameters[i] ?? DBNull.Value;
            parameter.DbType = parameters[i] switch
            {
                int => DbType.Int32,
                long => DbType.Int64,
                _ => DbType.String,
            };
            command.Parameters.Add(parameter);
        }

        return command;
    }

    /// <summary>The statements, per engine. PostgreSQL takes positional <c>$n</c> parameters (no SQL rewriting needed).</summary>
    private sealed record Sql(
        string TableExists,
        string[] CreateSchema,
        string SelectOutput,
        string InsertOutput,
        string InsertOutputIgnoringConflict,
        string ReadOnly,
        string? ResetReadOnly,
        string DeleteOutputs)
    {
        private const string Columns = "(workflow_uuid, function_id, output, error, txn_id, txn_snapshot, executor_id, function_name, created_at)";
        private const string Values = "($1, $2, $3, $4, '', '', $5, $6, $7)";

        private static readonly Sql Postgres = new(
            "SELECT to_regclass('dbos.transaction_outputs') IS NOT NULL",
            [
                // Serializes concurrent creators: CREATE ... IF NOT EXISTS can still fail when two sessions race.
                "SELECT pg_advisory_xact_lock(1146049843)",
                "CREATE SCHEMA IF NOT EXISTS dbos",
                """
                CREATE TABLE IF NOT EXISTS dbos.transaction_outputs (
                    workflow_uuid TEXT NOT NULL,
                    function_id INTEGER NOT NULL,
                    output TEXT,
                    error TEXT,
                    txn_id TEXT,
                    txn_snapshot TEXT NOT NULL,
                    executor_id TEXT,
                    function_name TEXT NOT NULL DEFAULT '',
                    created_at BIGINT NOT NULL DEFAULT (EXTRACT(epoch FROM now()) * 1000)::bigint,
                    PRIMARY KEY (workflow_uuid, function_id))
                """,
                "CREATE INDEX IF NOT EXISTS transaction_outputs_created_at_index ON dbos.transaction_outputs (created_at)",
            ],
            "SELECT output, error, function_name FROM dbos.transaction_outputs WHERE workflow_uuid = $1 AND function_id = $2",
            "INSERT INTO dbos.transaction_outputs " + Columns + " VALUES " + Values,
            "INSERT INTO dbos.transaction_outputs " + Columns + " VALUES " + Values + " ON CONFLICT (workflow_uuid, function_id) DO NOTHING",
            "SET TRANSACTION READ ONLY",
            null,
            "DELETE FROM dbos.transaction_outputs WHERE workflow_uuid IN (SELECT json_array_elements_text($1::json))");

        private static readonly Sql Sqlite = new(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'transaction_outputs')",
            [
                """
                CREATE TABLE IF NOT EXISTS transaction_outputs (
                    workflow_uuid TEXT NOT NULL,
                    function_id INTEGER NOT NULL,
                    output TEXT,
                    error TEXT,
                    txn_id TEXT,
                    txn_snapshot TEXT NOT NULL,
                    executor_id TEXT,
                    function_name TEXT NOT NULL DEFAULT '',
                    created_at INTEGER NOT NULL DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)),
                    PRIMARY KEY (workflow_uuid, function_id))
                """,
                "CREATE INDEX IF NOT EXISTS transaction_outputs_created_at_index ON transaction_outputs (created_at)",
            ],
            "SELECT output, error, function_name FROM transaction_outputs WHERE workflow_uuid = $1 AND function_id = $2",
            "INSERT INTO transaction_outputs " + Columns + " VALUES " + Values,
            "INSERT INTO transaction_outputs " + Columns + " VALUES " + Values + " ON CONFLICT (workflow_uuid, function_id) DO NOTHING",
            "PRAGMA query_only = ON",
            "PRAGMA query_only = OFF",
            "DELETE FROM transaction_outputs WHERE workflow_uuid IN (SELECT value FROM json_each($1))");

        public static Sql For(DbConnection connection) => connection switch
        {
            NpgsqlConnection => Postgres,
            SqliteConnection => Sqlite,
            _ => throw new NotSupportedException(
                $"[Transaction] methods run on PostgreSQL (the Npgsql EF Core provider) or SQLite; the application DbContext uses {connection.GetType().FullName}."),
        };
    }
}

/// <summary>A row of <c>transaction_outputs</c>.</summary>
internal sealed record RecordedTransaction(string? Output, string? Error, string FunctionName);
