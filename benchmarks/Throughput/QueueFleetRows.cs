using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Threading.Tasks;
using Npgsql;

namespace Dbos.Benchmarks.Throughput;

/// <summary>
/// One queue shared by 1, 2 and 3 worker processes (children of this harness, <c>--child queue-worker</c>): global concurrency 10,
/// worker concurrency 4, so one worker may run 4 at once, two 8, three 10 (the global limit, not 12). Each workflow's one step
/// takes 20 ms, so the rate shows the concurrency the fleet reached. The harness enqueues with DBOS's SQL function once every
/// worker is serving, and times the 10th to the 90th percent of completions, read from the database.
/// </summary>
internal static class QueueFleetRows
{
    public const string Queue = "bench_fleet";
    public const int GlobalConcurrency = 10;
    public const int WorkerConcurrency = 4;
    private const int Workflows = 600;

    public static async Task<Side> RunAsync(string databaseUrl, int workers)
    {
        var connectionString = Dbos.SystemDatabase.Postgres.PostgresConnectionStrings.Normalize(databaseUrl);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await ExecuteAsync(connection, $"DELETE FROM dbos.workflow_status WHERE queue_name = '{Queue}' OR workflow_uuid LIKE 'fleet-%'");

        var children = new List<Process>();
        try
        {
            for (var i = 0; i < workers; i++)
            {
                children.Add(StartWorker(databaseUrl, $"fleet-worker-{i}"));
            }

            foreach (var child in children)
            {
                await WaitForReadyAsync(child);
            }

            await ExecuteAsync(connection,
                $"SELECT count(dbos.enqueue_workflow('fleetItem', '{Queue}', ARRAY[]::json[], '{{}}'::json, 'BenchWorkflows', NULL, 'fleet-' || g, 'bench')) " +
                $"FROM generate_series(1, {Workflows}) AS g");
            long? from = null;
            long? to = null;
            var deadline = Stopwatch.StartNew();
            while (to is null)
            {
                if (deadline.Elapsed > TimeSpan.FromMinutes(5))
                {
                    throw new TimeoutException($"the fleet of {workers} did not finish {Workflows} workflows");
                }

                await using var count = new NpgsqlCommand($"SELECT count(*) FROM dbos.workflow_status WHERE queue_name = '{Queue}' AND status = 'SUCCESS'", connection);
                var done = (long)(await count.ExecuteScalarAsync())!;
                var now = Stopwatch.GetTimestamp();
                if (from is null && done >= Workflows / 10)
                {
                    from = now;
                }

                if (from is not null && done >= Workflows * 9 / 10)
                {
                    to = now;
                }

                await Task.Delay(10);
            }

            return DbosRows.Rate(Workflows * 8 / 10, Stopwatch.GetElapsedTime(from!.Value, to.Value).TotalSeconds, TimeSpan.Zero);
        }
        finally
        {
            foreach (var child in children)
            {
                try
                {
                    child.Kill(entireProcessTree: true);
                    await child.WaitForExitAsync();
                }
                catch (InvalidOperationException)
                {
                    // exited already
                }

                child.Dispose();
            }

            await ExecuteAsync(connection, $"DELETE FROM dbos.workflow_status WHERE queue_name = '{Queue}' OR workflow_uuid LIKE 'fleet-%'");
        }
    }

    /// <summary>The child: serves the queue until killed.</summary>
    public static async Task<int> RunWorkerAsync(Options options)
    {
        var runtimeOptions = new DbosOptions
        {
            SystemDatabaseUrl = options.PostgresUrl ?? throw new ArgumentException("--child queue-worker needs --pg"),
            ExecutorId = options.ExecutorId ?? "fleet-worker",
            ApplicationVersion = "bench",
            ShutdownTimeout = TimeSpan.Zero,
        };
        runtimeOptions.AddQueue(new WorkflowQueue(Queue) { Concurrency = GlobalConcurrency, WorkerConcurrency = WorkerConcurrency });
        await using var runtime = await DbosRuntime.LaunchAsync(runtimeOptions);
        Console.WriteLine("READY");
        await Task.Delay(System.Threading.Timeout.InfiniteTimeSpan);
        return 0;
    }

    private static Process StartWorker(string databaseUrl, string executorId)
    {
        var self = Environment.ProcessPath!;
        var info = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (System.IO.Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            info.ArgumentList.Add(typeof(Program).Assembly.Location);
        }

        foreach (var argument in new[] { "--child", "queue-worker", "--pg", databaseUrl, "--executor", executorId })
        {
            info.ArgumentList.Add(argument);
        }

        return Process.Start(info)!;
    }

    private static async Task WaitForReadyAsync(Process child)
    {
        var line = await child.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(1));
        if (line != "READY")
        {
            throw new InvalidOperationException($"a queue worker did not start: {line} {await child.StandardError.ReadToEndAsync()}");
        }

        _ = child.StandardOutput.ReadToEndAsync(); // keep draining
        _ = child.StandardError.ReadToEndAsync();
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 600 };
        await command.ExecuteNonQueryAsync();
    }
}
