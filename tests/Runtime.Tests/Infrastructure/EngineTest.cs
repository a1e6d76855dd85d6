using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using Dbos.SystemDatabase;
using Microsoft.Data.Sqlite;
using Npgsql;
using NUnit.Framework;

namespace Dbos.Tests;

/// <summary>A test fixture run once per system database engine, each test on a fresh database.</summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public abstract class EngineTest(string engine)
{
    private readonly List<DbosRuntime> _runtimes = new();

    protected string Engine { get; } = engine;

    protected bool IsPostgres => Engine == "postgres";

    /// <summary>The current test's database (created in SetUp).</summary>
    protected string Database { get; private set; } = "";

    [SetUp]
    public async Task CreateDatabase()
    {
        Probe.Reset();
        Database = IsPostgres
            ? await TestDatabases.CreatePostgresDatabaseAsync(TestContext.CurrentContext.Test.MethodName ?? "test")
            : TestDatabases.NewSqliteFile(TestContext.CurrentContext.Test.MethodName ?? "test");
    }

    [TearDown]
    public async Task DisposeRuntimes()
    {
        foreach (var runtime in _runtimes)
        {
            await runtime.DisposeAsync();
        }

        _runtimes.Clear();
    }

    protected DbosOptions Options(Action<DbosOptions>? configure = null)
    {
        // Takeover off: tests make workflows look owned by gone processes on purpose; TakeoverTests turn it on.
        var options = new DbosOptions { SystemDatabaseUrl = Database, ShutdownTimeout = TimeSpan.Zero, LoggerFactory = ProgressLoggerProvider.FromEnvironment(), TakeOverDeadExecutors = false };
        configure?.Invoke(options);
        return options;
    }

    protected async Task<DbosRuntime> LaunchAsync(Action<DbosOptions>? configure = null, IServiceProvider? services = null)
    {
        var runtime = await DbosRuntime.LaunchAsync(Options(configure), services);
        _runtimes.Add(runtime);
        await runtime.StartupRecovery; // recovery runs in the background; tests look at the database once it has claimed
        return runtime;
    }

    /// <summary>Runs SQL on the test database; <c>{s}</c> stands for the schema prefix (<c>dbos.</c> on PostgreSQL).</summary>
    protected Task<List<object?[]>> QueryAsync(string sql, params object?[] parameters) => QueryOnAsync(Database, sql, parameters);

    protected async Task<List<object?[]>> QueryOnAsync(string database, string sql, params object?[] parameters)
    {
        if (IsPostgres)
        {
            var text = sql.Replace("{s}", "dbos.", StringComparison.Ordinal);
            for (var i = parameters.Length; i >= 1; i--)
            {
                text = text.Replace("@p" + i, "$" + i, StringComparison.Ordinal);
            }

            await using var connection = new NpgsqlConnection(Dbos.SystemDatabase.Postgres.PostgresConnectionStrings.Normalize(database));
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(text, connection);
            foreach (var p in parameters)
            {
                command.Parameters.Add(new NpgsqlParameter { Value = p ?? DBNull.Value });
            }

            await using var reader = await command.ExecuteReaderAsync();
            return await ReadAllAsync(reader);
        }
        else
        {
            await using var connection = new SqliteConnection($"Data Source={database};Pooling=False");
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = sql.Replace("{s}", string.Empty, StringComparison.Ordinal);
            for (var i = 0; i < parameters.Length; i++)
            {
                command.Parameters.AddWithValue("@p" + (i + 1), parameters[i] ?? DBNull.Value);
            }

            await using var reader = await command.ExecuteReaderAsync();
            return await ReadAllAsync(reader);
        }
    }

    private static async Task<List<object?[]>> ReadAllAsync(System.Data.Common.DbDataReader reader)
    {
        var rows = new List<object?[]>();
        while (await reader.ReadAsync())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }

            rows.Add(row);
        }

        return rows;
    }

    protected async Task<long> CountAsync(string sql, params object?[] parameters)
        => Convert.ToInt64((await QueryAsync(sql, parameters))[0][0], System.Globalization.CultureInfo.InvariantCulture);

    protected Task<long> StepCountAsync(string workflowId) => CountAsync("SELECT COUNT(*) FROM {s}operation_outputs WHERE workflow_uuid = @p1", workflowId);

    protected async Task<string?> StatusAsync(string workflowId)
        => (await QueryAsync("SELECT status FROM {s}workflow_status WHERE workflow_uuid = @p1", workflowId)) is [var row, ..] ? (string?)row[0] : null;

    /// <summary>Waits (up to 90 s) until the condition holds, failing at once with the app's output when it exits.</summary>
    protected static async Task WaitUntilAsync(Func<Task<bool>> condition, TestApp app, string what)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (!await condition())
        {
            if (app.HasExited || DateTime.UtcNow > until)
            {
                Assert.Fail($"Not reached: {what}. Output:\n{app.Output}");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Waits (up to 30 s) until the condition holds.</summary>
    protected static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail("Timed out waiting until " + what);
            }

            await Task.Delay(20);
        }
    }
}
