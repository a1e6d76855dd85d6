using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Dbos.Internal;
using Npgsql;

namespace Dbos.Benchmarks.Throughput;

/// <summary>
/// Operating a big system database: a page of <c>ListWorkflowsAsync</c> over 1,000,000 workflows, and one garbage-collection
/// batch. The million rows are written with <c>generate_series</c> (status, input, output and three steps each, the rows a
/// finished 3-step workflow leaves), then analyzed, so the planner sees the table as a long-running system would.
/// </summary>
internal static class ManagementRows
{
    public const string Database = "dbos_bench_management";
    public const int Workflows = 1_000_000;
    private const int Samples = 50;
    private const int GcBatches = 20;

    // One in a hundred failed, one in a thousand still queued; one in ten a different workflow.
    private const string PopulateSql = """
        INSERT INTO dbos.workflow_status (workflow_uuid, status, name, class_name, executor_id, application_version, created_at, updated_at,
            completed_at, recovery_attempts, serialization, queue_name, started_at_epoch_ms)
        SELECT 'wf-' || lpad(i::text, 7, '0'),
            CASE WHEN i % 1000 = 1 THEN 'ENQUEUED' WHEN i % 100 = 0 THEN 'ERROR' ELSE 'SUCCESS' END,
            CASE WHEN i % 10 = 0 THEN 'Refund' ELSE 'PlaceOrder' END, 'Orders', 'bench', 'bench', $1 + i, $1 + i + 5,
            CASE WHEN i % 1000 = 1 THEN NULL ELSE $1 + i + 5 END, 1, 'portable_json',
            CASE WHEN i % 1000 = 1 THEN 'orders' END, CASE WHEN i % 1000 = 1 THEN NULL ELSE $1 + i END
        FROM generate_series(1, $2) AS i;
        INSERT INTO dbos.workflow_input (workflow_uuid, inputs)
        SELECT 'wf-' || lpad(i::text, 7, '0'), '{"positionalArgs":[' || i || '],"namedArgs":{}}' FROM generate_series(1, $2) AS i;
        INSERT INTO dbos.workflow_output (workflow_uuid, output, error)
        SELECT 'wf-' || lpad(i::text, 7, '0'), CASE WHEN i % 100 = 0 THEN NULL ELSE '"order ' || i || '"' END,
            CASE WHEN i % 100 = 0 THEN '{"name":"InvalidOperationException","message":"out of stock"}' END
        FROM generate_series(1, $2) AS i WHERE i % 1000 <> 1;
        INSERT INTO dbos.operation_outputs (workflow_uuid, function_id, function_name, output, serialization, started_at_epoch_ms, completed_at_epoch_ms)
        SELECT 'wf-' || lpad(i::text, 7, '0'), f, 'Step' || f, '"ok"', 'portable_json', $1 + i, $1 + i + 1
        FROM generate_series(1, $2) AS i, generate_series(0, 2) AS f;
        """;

    /// <summary>Creates the database (migrated by a runtime launch) and writes the million workflows; returns their first created_at.</summary>
    public static async Task<long> PopulateAsync(PostgresServer server)
    {
        await server.RecreateDatabaseAsync(Database);
        await using (await DbosRuntime.LaunchAsync(Options(server)))
        {
        }

        var baseMs = DateTimeOffset.UtcNow.AddDays(-30).ToUnixTimeMilliseconds();
        await using var connection = new NpgsqlConnection(server.ConnectionString(Database));
        await connection.OpenAsync();
        var clock = Stopwatch.StartNew();
        foreach (var statement in PopulateSql.Split(";\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            await using var populate = new NpgsqlCommand(statement.TrimEnd(';'), connection) { CommandTimeout = 0 };
            populate.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint, Value = baseMs });
            populate.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer, Value = Workflows });
            await populate.ExecuteNonQueryAsync();
        }

        await using (var analyze = new NpgsqlCommand("VACUUM ANALYZE", connection) { CommandTimeout = 0 })
        {
            await analyze.ExecuteNonQueryAsync();
        }

        Console.Error.WriteLine($"  management: {Workflows:N0} workflows written in {clock.Elapsed.TotalSeconds:0} s");
        return baseMs;
    }

    private static DbosOptions Options(PostgresServer server) => new()
    {
        SystemDatabaseUrl = server.Url(Database),
        ExecutorId = "bench-management",
        ApplicationVersion = "bench-management",
        RecoverPendingWorkflows = false,
    };

    /// <summary>Latency of one list call (a page of 20 rows, with inputs and outputs), warmed up first.</summary>
    public static async Task<Side> ListAsync(PostgresServer server, WorkflowFilter filter)
    {
        await using var runtime = await DbosRuntime.LaunchAsync(Options(server));
        for (var i = 0; i < 5; i++)
        {
            Check(await runtime.ListWorkflowsAsync(filter), filter);
        }

        var ms = new List<double>(Samples);
        for (var i = 0; i < Samples; i++)
        {
            var clock = Stopwatch.StartNew();
            var page = await runtime.ListWorkflowsAsync(filter);
            ms.Add(clock.Elapsed.TotalMilliseconds);
            Check(page, filter);
        }

        await ExplainAsync(server, filter);
        return DbosRows.Latency(ms, Workflows);
    }

    private static void Check(IReadOnlyList<WorkflowStatus> page, WorkflowFilter filter)
    {
        if (page.Count != filter.Limit)
        {
            throw new InvalidOperationException($"The list returned {page.Count} rows, not {filter.Limit}.");
        }
    }

    /// <summary>Prints the plan of the same statement, so the report can say which index served it.</summary>
    private static async Task ExplainAsync(PostgresServer server, WorkflowFilter filter)
    {
        await using var connection = new NpgsqlConnection(server.ConnectionString(Database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand { Connection = connection };
        string Parameter(object? value)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
            return "$" + command.Parameters.Count;
        }

        string AnyOf(IReadOnlyCollection<string> values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = new List<string>(values).ToArray() });
            return "= ANY($" + command.Parameters.Count + ")";
        }

        command.CommandText = "EXPLAIN (ANALYZE, BUFFERS) " + WorkflowListSql.Build(filter, false, new WorkflowListSql.Dialect("\"dbos\".", Parameter, AnyOf, "TRUE", "FALSE", "ALL"));
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            Console.Error.WriteLine("    " + reader.GetString(0));
        }
    }

    /// <summary>Latency of one garbage-collection transaction deleting 1000 finished workflows (each with its input, output and
    /// three steps: 6000 rows), oldest first, as <c>GarbageCollectAsync</c> runs them.</summary>
    public static async Task<Side> GcBatchAsync(PostgresServer server, long baseMs)
    {
        await using var runtime = await DbosRuntime.LaunchAsync(Options(server));
        var ms = new List<double>(GcBatches);
        for (var i = 0; i < GcBatches; i++)
        {
            var clock = Stopwatch.StartNew();
            var deleted = await runtime.Database.GarbageCollectBatchAsync(baseMs + Workflows, WorkflowManagement.DefaultBatchSize, CancellationToken.None);
            ms.Add(clock.Elapsed.TotalMilliseconds);
            if (deleted != WorkflowManagement.DefaultBatchSize)
            {
                throw new InvalidOperationException($"A batch deleted {deleted} workflows, not {WorkflowManagement.DefaultBatchSize}.");
            }
        }

        var side = DbosRows.Latency(ms, GcBatches * WorkflowManagement.DefaultBatchSize);
        side.Values["workflows_per_batch"] = WorkflowManagement.DefaultBatchSize;
        return side;
    }
}
