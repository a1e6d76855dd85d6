using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace Dbos.Benchmarks.Throughput;

/// <summary>The workflow measurements of this SDK, the same jobs as the peer's bench.mjs. Each row runs in a runtime
/// of its own (launched before the clock starts, disposed after), so the server's counters can be read per row.</summary>
internal sealed class DbosRows(Options options, string systemDatabaseUrl)
{
    private DbosOptions RuntimeOptions() => new()
    {
        SystemDatabaseUrl = systemDatabaseUrl,
        ShutdownTimeout = TimeSpan.FromSeconds(5),
        ExecutorId = "bench",
        ApplicationVersion = "bench",
    };

    public async Task<double> LaunchMsAsync()
    {
        var clock = Stopwatch.StartNew();
        await using var runtime = await DbosRuntime.LaunchAsync(RuntimeOptions());
        return clock.Elapsed.TotalMilliseconds;
    }

    /// <summary>Runs a few workflows of each kind so the measured rows do not pay for JIT compilation and cold pools.</summary>
    public async Task WarmUpAsync()
    {
        await using var runtime = await DbosRuntime.LaunchAsync(RuntimeOptions());
        for (var i = 0; i < options.Warmup; i++)
        {
            Check(i, await BenchWorkflows.ThreeSteps(i));
            var handle = await DBOS.StartWorkflowAsync(() => BenchWorkflows.Empty());
            await handle.GetResultAsync();
        }

        var all = await Task.WhenAll(Enumerable.Range(0, options.Warmup * 4).Select(i => BenchWorkflows.ThreeSteps(i)));
        for (var i = 0; i < all.Length; i++)
        {
            Check(i, all[i]);
        }
    }

    public async Task<Side> SequentialAsync()
    {
        await using var runtime = await DbosRuntime.LaunchAsync(RuntimeOptions());
        var cpu = Cpu();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < options.Seq; i++)
        {
            Check(i, await BenchWorkflows.ThreeSteps(i));
        }

        var seconds = clock.Elapsed.TotalSeconds;
        return Rate(options.Seq, seconds, Cpu() - cpu);
    }

    public async Task<Side> ConcurrentAsync()
    {
        await using var runtime = await DbosRuntime.LaunchAsync(RuntimeOptions());
        var cpu = Cpu();
        var clock = Stopwatch.StartNew();
        var results = await Task.WhenAll(Enumerable.Range(0, options.Conc).Select(i => BenchWorkflows.ThreeSteps(i)));
        var seconds = clock.Elapsed.TotalSeconds;
        var used = Cpu() - cpu;
        for (var i = 0; i < results.Length; i++)
        {
            Check(i, results[i]);
        }

        return Rate(options.Conc, seconds, used);
    }

    private DbosOptions QueueOptions()
    {
        var runtimeOptions = RuntimeOptions();
        runtimeOptions.AddQueue(new WorkflowQueue("bench_queue") { WorkerConcurrency = options.QueueConcurrency });
        return runtimeOptions;
    }

    /// <summary>As the peer's queue_throughput: N 3-step workflows enqueued at once; enqueue of the first to result of the last.</summary>
    public async Task<Side> QueueThroughputAsync()
    {
        await using var runtime = await DbosRuntime.LaunchAsync(QueueOptions());
        var cpu = Cpu();
        var clock = Stopwatch.StartNew();
        var handles = await Task.WhenAll(Enumerable.Range(0, options.Queued).Select(i => DBOS.EnqueueAsync("bench_queue", () => BenchWorkflows.ThreeSteps(i))));
        var results = await Task.WhenAll(handles.Select(h => h.GetResultAsync()));
        var seconds = clock.Elapsed.TotalSeconds;
        var used = Cpu() - cpu;
        for (var i = 0; i < results.Length; i++)
        {
            Check(i, results[i]);
        }

        return Rate(options.Queued, seconds, used);
    }

    /// <summary>Dequeue throughput with a backlog: <paramref name="backlog"/> two-step workflows are put ENQUEUED on a queue (with
    /// DBOS's SQL function <c>enqueue_workflow</c>, before the clock starts), then a runtime serving it with worker concurrency
    /// <see cref="Options.QueueConcurrency"/> runs them; the rate is measured between the 200th and the 1,000th completion, so
    /// both backlogs are timed over the same 800 workflows in steady state. The rows are deleted afterwards.</summary>
    public async Task<Side> QueueBacklogAsync(int backlog)
    {
        const int first = 200;
        const int last = 1000;
        await using (var setup = new Npgsql.NpgsqlConnection(Dbos.SystemDatabase.Postgres.PostgresConnectionStrings.Normalize(systemDatabaseUrl)))
        {
            await setup.OpenAsync();
            await using var clear = new Npgsql.NpgsqlCommand("DELETE FROM dbos.workflow_status WHERE queue_name = 'bench_backlog' OR workflow_uuid LIKE 'backlog-%'", setup);
            await clear.ExecuteNonQueryAsync();
            await using var fill = new Npgsql.NpgsqlCommand(
                "SELECT count(dbos.enqueue_workflow('backlogItem', 'bench_backlog', ARRAY[g::text::json], '{}'::json, 'BenchWorkflows', NULL, 'backlog-' || g, 'bench')) " +
                "FROM generate_series(1, $1) AS g", setup) { CommandTimeout = 600 };
            fill.Parameters.Add(new Npgsql.NpgsqlParameter { Value = backlog });
            await fill.ExecuteScalarAsync();
            await using var analyze = new Npgsql.NpgsqlCommand("ANALYZE dbos.workflow_status", setup);
            await analyze.ExecuteNonQueryAsync();
        }

        var done = Backlog.Reset(last);
        var runtimeOptions = RuntimeOptions();
        runtimeOptions.AddQueue(new WorkflowQueue("bench_backlog") { WorkerConcurrency = options.QueueConcurrency });
        double seconds;
        await using (var runtime = await DbosRuntime.LaunchAsync(runtimeOptions))
        {
            await done.WaitAsync(TimeSpan.FromMinutes(5));
            seconds = Stopwatch.GetElapsedTime(Backlog.At(first - 1), Backlog.At(last - 1)).TotalSeconds;
        }

        await using (var cleanup = new Npgsql.NpgsqlConnection(Dbos.SystemDatabase.Postgres.PostgresConnectionStrings.Normalize(systemDatabaseUrl)))
        {
            await cleanup.OpenAsync();
            await using var clear = new Npgsql.NpgsqlCommand("DELETE FROM dbos.workflow_status WHERE workflow_uuid LIKE 'backlog-%'", cleanup) { CommandTimeout = 600 };
            await clear.ExecuteNonQueryAsync();
        }

        return Rate(last - first, seconds, TimeSpan.Zero);
    }

    /// <summary>As the peer's queue_latency: one empty workflow at a time through an idle queue, enqueue to result.</summary>
    public async Task<Side> QueueLatencyAsync()
    {
        await using var runtime = await DbosRuntime.LaunchAsync(QueueOptions());
        var ms = new List<double>(options.QueueLat);
        for (var i = 0; i < options.QueueLat; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var handle = await DBOS.EnqueueAsync("bench_queue", () => BenchWorkflows.Empty());
            var result = await handle.GetResultAsync();
            ms.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            if (result != 1)
            {
                throw new InvalidOperationException($"emptyWorkflow returned {result}");
            }
        }

        return Latency(ms, options.QueueLat);
    }

    public async Task<Side> EmptyLatencyAsync()
    {
        await using var runtime = await DbosRuntime.LaunchAsync(RuntimeOptions());
        var ms = new List<double>(options.Lat);
        var cpu = Cpu();
        for (var i = 0; i < options.Lat; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var handle = await DBOS.StartWorkflowAsync(() => BenchWorkflows.Empty());
            var result = await handle.GetResultAsync();
            ms.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            if (result != 1)
            {
                throw new InvalidOperationException($"emptyWorkflow returned {result}");
            }
        }

        var side = Latency(ms, options.Lat);
        side.Values["cpu_us_per_wf"] = (Cpu() - cpu).TotalMicroseconds / options.Lat;
        return side;
    }

#if DBOS_MESSAGING
    public async Task<Side> SendRecvAsync()
    {
        await using var runtime = await DbosRuntime.LaunchAsync(RuntimeOptions());
        var ms = new List<double>(options.Pings);
        for (var i = 0; i < options.Pings; i++)
        {
            var handle = await DBOS.StartWorkflowAsync(() => BenchWorkflows.Waiter());
            await Task.Delay(5); // let it block in recv, as the peer does
            var message = i.ToString(CultureInfo.InvariantCulture);
            var started = Stopwatch.GetTimestamp();
            await DBOS.SendAsync(handle.WorkflowId, message, "ping");
            var received = await handle.GetResultAsync();
            ms.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            if (received != message)
            {
                throw new InvalidOperationException($"waiter received '{received}', expected '{message}'");
            }
        }

        return Latency(ms, options.Pings);
    }

    /// <summary>Runs in a child process of its own, so its memory is not mixed with the other rows'.</summary>
    public async Task<Side> WaitersAsync()
    {
        await using var runtime = await DbosRuntime.LaunchAsync(RuntimeOptions());
        var count = options.Waiters;
        var handles = new WorkflowHandle<string?>[count];
        var clock = Stopwatch.StartNew();
        await ForAllAsync(count, options.StartParallelism, async i => handles[i] = await DBOS.StartWorkflowAsync(() => BenchWorkflows.Waiter()));
        var startSeconds = clock.Elapsed.TotalSeconds;
        await Task.Delay(2000);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var side = new Side();
        side.Values["workflows"] = count;
        side.Values["rss_mb"] = Environment.WorkingSet / 1048576.0;
        side.Values["peak_mb"] = ProcStatusMb("VmHWM") ?? double.NaN;
        side.Values["gc_heap_mb"] = GC.GetTotalMemory(forceFullCollection: false) / 1048576.0;
        side.Values["threads"] = Process.GetCurrentProcess().Threads.Count;
        side.Values["start_s"] = startSeconds;

        clock.Restart();
        await ForAllAsync(count, options.StartParallelism, i => DBOS.SendAsync(handles[i].WorkflowId, "0", "ping"));
        await Task.WhenAll(handles.Select(h => h.GetResultAsync()));
        side.Values["release_s"] = clock.Elapsed.TotalSeconds;
        side.Values["peak_mb"] = ProcStatusMb("VmHWM") ?? double.NaN;
        return side;
    }
#endif

    private static async Task ForAllAsync(int count, int parallelism, Func<int, Task> body)
    {
        var next = -1;
        var workers = Enumerable.Range(0, Math.Max(1, parallelism)).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                await body(i);
            }
        });
        await Task.WhenAll(workers);
    }

    private static double? ProcStatusMb(string key)
    {
        const string path = "/proc/self/status";
        if (!File.Exists(path))
        {
            return null;
        }

        foreach (var line in File.ReadLines(path))
        {
            if (line.StartsWith(key + ":", StringComparison.Ordinal))
            {
                var kb = line[(key.Length + 1)..].Trim().Split(' ')[0];
                return double.Parse(kb, CultureInfo.InvariantCulture) / 1024;
            }
        }

        return null;
    }

    private static void Check(int i, string result)
    {
        var expected = "r" + ((i + 1) * 2).ToString(CultureInfo.InvariantCulture);
        if (result != expected)
        {
            throw new InvalidOperationException($"threeSteps({i}) returned '{result}', expected '{expected}'");
        }
    }

    public static Side Rate(int count, double seconds, TimeSpan cpu)
    {
        var side = new Side();
        side.Values["workflows"] = count;
        side.Values["per_s"] = count / seconds;
        side.Values["seconds"] = seconds;
        side.Values["cpu_us_per_wf"] = cpu.TotalMicroseconds / count;
        return side;
    }

    /// <summary>This process's CPU time (all threads, user + kernel): the client's cost per workflow.</summary>
    private static TimeSpan Cpu() => Process.GetCurrentProcess().TotalProcessorTime;

    /// <summary>Percentiles as the peer computes them: the element at floor(p * n) of the sorted sample.</summary>
    public static double Percentile(IReadOnlyList<double> values, double p)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        return sorted[Math.Min(sorted.Length - 1, (int)Math.Floor(p * sorted.Length))];
    }

    public static Side Latency(IReadOnlyList<double> ms, int count)
    {
        var side = new Side();
        side.Values["workflows"] = count;
        side.Values["p50_ms"] = Percentile(ms, 0.5);
        side.Values["p99_ms"] = Percentile(ms, 0.99);
        side.Values["mean_ms"] = ms.Average();
        return side;
    }
}
