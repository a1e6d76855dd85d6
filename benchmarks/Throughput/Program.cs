using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Tasks;

namespace Dbos.Benchmarks.Throughput;

/// <summary>
/// The throughput harness of issue 7: the same jobs as the DBOS TypeScript peer (benchmarks/peer/bench.mjs) on the
/// same PostgreSQL server, the same on SQLite, and the server's raw single-row-insert rate, printed as one Markdown
/// table and written as JSON. <c>scripts/bench.sh</c> builds it, starts a throwaway PostgreSQL and runs it.
/// </summary>
public static class Program
{
    private const string OurDatabase = "dbos_bench";

    public static async Task<int> Main(string[] args)
    {
        Options options;
        try
        {
            options = Options.Parse(args);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }

        if (options.Child == "waiters")
        {
            return await RunWaitersChildAsync(options);
        }

        return await RunAsync(options, args);
    }

    private static async Task<int> RunAsync(Options options, string[] args)
    {
        var started = DateTimeOffset.UtcNow;
        var rows = new List<RowResult>
        {
            new("launch", "Launch (system database already migrated), PostgreSQL", RowKind.Launch),
            new("sequential", $"3-step workflow, {options.Seq} one after another, PostgreSQL", RowKind.Rate),
            new("concurrent", $"3-step workflow, {options.Conc} started at once, PostgreSQL", RowKind.Rate),
            new("empty_latency", $"Empty workflow start → result ({options.Lat} samples), PostgreSQL", RowKind.Latency),
            new("queue_throughput", $"3-step workflow, {options.Queued} enqueued at once on a queue with worker concurrency {options.QueueConcurrency}, PostgreSQL", RowKind.Rate),
            new("queue_latency", $"Empty workflow enqueue → result on an idle queue ({options.QueueLat} samples), PostgreSQL", RowKind.Latency),
            new("queue_backlog_1k", $"Dequeue and run of 2-step workflows, 1,000 waiting in the queue (worker concurrency {options.QueueConcurrency}), PostgreSQL", RowKind.Rate),
            new("queue_backlog_100k", $"Dequeue and run of 2-step workflows, 100,000 waiting in the queue (worker concurrency {options.QueueConcurrency}), PostgreSQL", RowKind.Rate),
            new("send_recv", $"send → recv → result between two workflows ({options.Pings} samples), PostgreSQL", RowKind.Latency),
            new("waiters", $"Workflows blocked in recv at once (ours {options.Waiters:N0}, peer {options.PeerWaiters:N0}), PostgreSQL: memory", RowKind.Memory),
            new("sqlite_sequential", $"3-step workflow, {options.Seq} one after another, SQLite", RowKind.Rate),
            new("sqlite_concurrent", $"3-step workflow, {options.Conc} started at once, SQLite", RowKind.Rate),
            new("sqlite_empty_latency", $"Empty workflow start → result ({options.Lat} samples), SQLite", RowKind.Latency),
            new("list_1m", "ListWorkflowsAsync: newest 20 of 1,000,000 workflows, with inputs and outputs, PostgreSQL", RowKind.Latency),
            new("list_1m_errors", "ListWorkflowsAsync: newest 20 ERROR workflows of 1,000,000, PostgreSQL", RowKind.Latency),
            new("list_1m_name", "ListWorkflowsAsync: newest 20 of one workflow name (10% of 1,000,000, no index on name), PostgreSQL", RowKind.Latency),
            new("gc_batch", "GarbageCollectAsync: one batch, 1,000 finished workflows (6,000 rows) of 1,000,000, PostgreSQL", RowKind.Latency),
            new("insert_1", "Raw floor: single-row INSERT transactions, 1 client (Npgsql, prepared)", RowKind.Rate, "tx/s"),
            new("insert_8", "Raw floor: single-row INSERT transactions, 8 clients (Npgsql, prepared)", RowKind.Rate, "tx/s"),
            new("pgbench_1", "Raw floor: the same INSERT with pgbench -M prepared, 1 client", RowKind.Rate, "tx/s"),
            new("pgbench_8", "Raw floor: the same INSERT with pgbench -M prepared, 8 clients", RowKind.Rate, "tx/s"),
        };
        rows.RemoveAll(r => !options.Want(r.Id));
        RowResult? Row(string id) => rows.Find(r => r.Id == id);
        var peerRows = new HashSet<string>(StringComparer.Ordinal) { "launch", "sequential", "concurrent", "empty_latency", "queue_throughput", "queue_latency", "send_recv", "waiters" };

        var machine = Machine();
        machine["runtime_revision"] = await RuntimeRevisionAsync();
        var settings = new JsonObject
        {
            ["seq"] = options.Seq,
            ["conc"] = options.Conc,
            ["lat"] = options.Lat,
            ["pings"] = options.Pings,
            ["waiters"] = options.Waiters,
            ["peer_waiters"] = options.PeerWaiters,
            ["warmup"] = options.Warmup,
            ["repeat"] = options.Repeat,
            ["floor_seconds"] = options.FloorSeconds,
            ["start_parallelism"] = options.StartParallelism,
            ["messaging_built"] = MessagingBuilt,
            ["command"] = options.Command ?? "dotnet Dbos.Benchmarks.Throughput.dll " + string.Join(' ', args),
            ["date_utc"] = started.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture),
        };

        PostgresServer? server = null;
        if (options.PostgresUrl is { } url)
        {
            server = new PostgresServer(url);
            try
            {
                var (version, synchronousCommit, fsync) = await server.DescribeAsync();
                machine["postgres_version"] = version;
                machine["synchronous_commit"] = synchronousCommit;
                machine["fsync"] = fsync;
            }
            catch (Exception e)
            {
                Console.Error.WriteLine($"PostgreSQL at {url} is not reachable: {e.Message}");
                server = null;
            }
        }

        Console.Error.WriteLine($"machine: {machine.ToJsonString()}");

        // This SDK on PostgreSQL.
        var pgRows = rows.Where(r => peerRows.Contains(r.Id)).ToList();
        if (server is null)
        {
            pgRows.ForEach(r => r.Ours = Side.Missing("no PostgreSQL (--pg)"));
        }
        else if (pgRows.Count > 0)
        {
            await Step("this SDK, PostgreSQL", async () =>
            {
                await server.RecreateDatabaseAsync(OurDatabase);
                var harness = new DbosRows(options, server.Url(OurDatabase));
                await harness.WarmUpAsync();
                var before = await server.CountersAsync(OurDatabase);
                var launchMs = await harness.LaunchMsAsync();
                var launch = await server.CountersAsync(OurDatabase) - before;
                if (Row("launch") is { } launchRow)
                {
                    launchRow.Ours = new Side();
                    launchRow.Ours.Values["ms"] = launchMs;
                    launchRow.Ours.Values["tx_total"] = launch.Transactions;
                }

                async Task Measure(string id, int count, Func<Task<Side>> run, int repeat)
                {
                    if (Row(id) is not { } row)
                    {
                        return;
                    }

                    Console.Error.WriteLine($"  ours: {id} ...");
                    var c0 = await server.CountersAsync(OurDatabase);
                    var launches = launch;
                    try
                    {
                        var runs = new List<Side>();
                        for (var r = 0; r < repeat; r++)
                        {
                            runs.Add(await run());
                        }

                        row.Ours = Side.Median(runs);
                        count *= repeat;
                        launches = new DbCounters(launch.Transactions * repeat, launch.RowsWritten * repeat);
                    }
                    catch (Exception e)
                    {
                        row.Ours = Side.Missing("failed: " + e.GetType().Name + ": " + e.Message.Split('\n')[0]);
                        Console.Error.WriteLine(e);
                        return;
                    }

                    var delta = await server.CountersAsync(OurDatabase) - c0;
                    if (row.Ours.HasValues)
                    {
                        row.Ours.Values["tx_per_wf"] = (delta.Transactions - launches.Transactions) / (double)count;
                        row.Ours.Values["rows_per_wf"] = (delta.RowsWritten - launches.RowsWritten) / (double)count;
                    }

                    Console.Error.WriteLine($"  ours: {id}: {Report.Value(row, row.Ours)}");
                }

                await Measure("sequential", options.Seq, harness.SequentialAsync, options.Repeat);
                await Measure("concurrent", options.Conc, harness.ConcurrentAsync, options.Repeat);
                await Measure("empty_latency", options.Lat, harness.EmptyLatencyAsync, options.Repeat);
                await Measure("queue_throughput", options.Queued, harness.QueueThroughputAsync, options.Repeat);
                await Measure("queue_latency", options.QueueLat, harness.QueueLatencyAsync, options.Repeat);
                await Measure("queue_backlog_1k", 800, () => harness.QueueBacklogAsync(1_000), options.Repeat);
                await Measure("queue_backlog_100k", 800, () => harness.QueueBacklogAsync(100_000), options.Repeat);
#if DBOS_MESSAGING
                await Measure("send_recv", options.Pings, harness.SendRecvAsync, options.Repeat);
                await Measure("waiters", options.Waiters, () => WaitersInChildAsync(options, server.Url(OurDatabase)), 1);
#else
                foreach (var id in new[] { "send_recv", "waiters" })
                {
                    if (Row(id) is { } row)
                    {
                        row.Ours = Side.Missing("n/a (messaging not built yet)");
                    }
                }
#endif
            });
        }

        // This SDK on SQLite.
        var sqliteIds = new[] { "sqlite_sequential", "sqlite_concurrent", "sqlite_empty_latency" };
        if (sqliteIds.Any(id => Row(id) is not null))
        {
            var file = Path.Combine(Path.GetTempPath(), $"dbos-bench-{Environment.ProcessId}.sqlite");
            await Step("this SDK, SQLite", async () =>
            {
                try
                {
                    var harness = new DbosRows(options, "sqlite:///" + file);
                    await harness.WarmUpAsync();
                    async Task Measure(string id, Func<Task<Side>> run)
                    {
                        if (Row(id) is { } row)
                        {
                            Console.Error.WriteLine($"  ours: {id} ...");
                            try
                            {
                                var runs = new List<Side>();
                                for (var r = 0; r < options.Repeat; r++)
                                {
                                    runs.Add(await run());
                                }

                                row.Ours = Side.Median(runs);
                            }
                            catch (Exception e)
                            {
                                row.Ours = Side.Missing("failed: " + e.GetType().Name + ": " + e.Message.Split('\n')[0]);
                                Console.Error.WriteLine(e);
                            }

                            Console.Error.WriteLine($"  ours: {id}: {Report.Value(row, row.Ours)}");
                        }
                    }

                    await Measure("sqlite_sequential", harness.SequentialAsync);
                    await Measure("sqlite_concurrent", harness.ConcurrentAsync);
                    await Measure("sqlite_empty_latency", harness.EmptyLatencyAsync);
                }
                finally
                {
                    foreach (var suffix in new[] { "", "-wal", "-shm" })
                    {
                        File.Delete(file + suffix);
                    }
                }
            });
        }

        // Operating a big system database: list pages and garbage-collection batches over a million workflows.
        var managementIds = new[] { "list_1m", "list_1m_errors", "list_1m_name", "gc_batch" };
        if (managementIds.Any(id => Row(id) is not null))
        {
            if (server is null)
            {
                foreach (var id in managementIds)
                {
                    if (Row(id) is { } row)
                    {
                        row.Ours = Side.Missing("no PostgreSQL (--pg)");
                    }
                }
            }
            else
            {
                await Step("management over 1,000,000 workflows", async () =>
                {
                    var baseMs = await ManagementRows.PopulateAsync(server);
                    async Task Measure(string id, Func<Task<Side>> run)
                    {
                        if (Row(id) is { } row)
                        {
                            Console.Error.WriteLine($"  management: {id} ...");
                            try
                            {
                                row.Ours = await run();
                            }
                            catch (Exception e)
                            {
                                row.Ours = Side.Missing("failed: " + e.GetType().Name + ": " + e.Message.Split('\n')[0]);
                                Console.Error.WriteLine(e);
                            }

                            Console.Error.WriteLine($"  management: {id}: {Report.Value(row, row.Ours)}");
                        }
                    }

                    await Measure("list_1m", () => ManagementRows.ListAsync(server, new WorkflowFilter { Limit = 20, SortDescending = true }));
                    await Measure("list_1m_errors", () => ManagementRows.ListAsync(server, new WorkflowFilter { Limit = 20, SortDescending = true, Statuses = [WorkflowStatuses.Error] }));
                    await Measure("list_1m_name", () => ManagementRows.ListAsync(server, new WorkflowFilter { Limit = 20, SortDescending = true, Name = "Refund" }));
                    await Measure("gc_batch", () => ManagementRows.GcBatchAsync(server, baseMs));
                    await server.DropDatabaseAsync(ManagementRows.Database);
                });
            }
        }

        // The raw database floor.
        var floorIds = new[] { "insert_1", "insert_8", "pgbench_1", "pgbench_8" };
        if (floorIds.Any(id => Row(id) is not null))
        {
            if (server is null)
            {
                foreach (var id in floorIds)
                {
                    if (Row(id) is { } row)
                    {
                        row.Ours = Side.Missing("no PostgreSQL (--pg)");
                    }
                }
            }
            else
            {
                await Step("raw database floor", async () =>
                {
                    await Floor.PrepareAsync(server);
                    async Task Measure(string id, Func<Task<Side>> run)
                    {
                        if (Row(id) is { } row)
                        {
                            var runs = new List<Side>();
                            for (var r = 0; r < options.Repeat; r++)
                            {
                                runs.Add(await run());
                            }

                            row.Ours = Side.Median(runs);
                            Console.Error.WriteLine($"  floor: {id}: {Report.Value(row, row.Ours)}");
                        }
                    }

                    await Measure("insert_1", () => Floor.NpgsqlInsertsAsync(server, 1, options.FloorSeconds));
                    await Measure("insert_8", () => Floor.NpgsqlInsertsAsync(server, 8, options.FloorSeconds));
                    await Measure("pgbench_1", () => Floor.PgbenchAsync(server, 1, options.FloorSeconds));
                    await Measure("pgbench_8", () => Floor.PgbenchAsync(server, 8, options.FloorSeconds));
                });
            }
        }

        // The DBOS TypeScript peer, last, so nothing else runs beside it.
        var withPeer = options.Peer && pgRows.Count > 0;
        if (withPeer)
        {
            if (server is null)
            {
                pgRows.ForEach(r => r.Peer = Side.Missing("no PostgreSQL (--pg)"));
            }
            else
            {
                await Step("DBOS TypeScript peer", async () =>
                {
                    var peer = new Peer(options, server);
                    try
                    {
                        await peer.PrepareAsync();
                    }
                    catch (Exception e)
                    {
                        Console.Error.WriteLine(e);
                    }

                    machine["peer"] = peer.Version ?? peer.Unavailable ?? "unknown";
                    var (launchSide, launchCounters) = await peer.RunLaunchOnlyAsync();
                    if (Row("launch") is { } launchRow)
                    {
                        launchRow.Peer = launchSide;
                        if (launchSide.HasValues)
                        {
                            launchSide.Values["tx_total"] = launchCounters.Transactions;
                        }
                    }

                    foreach (var row in pgRows.Where(r => r.Id != "launch"))
                    {
                        var count = row.Id switch
                        {
                            "sequential" => options.Seq,
                            "concurrent" => options.Conc,
                            "empty_latency" => options.Lat,
                            "queue_throughput" => options.Queued,
                            "queue_latency" => options.QueueLat,
                            "send_recv" => options.Pings,
                            "waiters" => options.PeerWaiters,
                            _ => 0,
                        };
                        Console.Error.WriteLine($"  peer: {row.Id} ...");
                        var runs = new List<Side>();
                        for (var r = 0; r < (row.Id == "waiters" ? 1 : options.Repeat); r++)
                        {
                            runs.Add(await peer.RunRowAsync(row.Id, launchSide.HasValues ? launchCounters : null, count));
                        }

                        row.Peer = Side.Median(runs);
                        Console.Error.WriteLine($"  peer: {row.Id}: {Report.Value(row, row.Peer)}");
                    }
                });
            }
        }

        foreach (var row in rows.Where(r => !peerRows.Contains(r.Id)))
        {
            row.Peer = null;
        }

        var targets = Targets(rows);
        var table = Report.Markdown(rows, withPeer);
        var finished = DateTimeOffset.UtcNow;
        settings["duration_s"] = Math.Round((finished - started).TotalSeconds, 1);
        machine["load_average_at_end"] = LoadAverage();

        var text = new System.Text.StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Machine: {machine["cpu_count"]} × {machine["cpu_model"]}, {machine["memory_gb"]} GB RAM, {machine["os"]}, .NET {machine["dotnet"]}");
        if (machine["postgres_version"] is { } pgVersion)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"PostgreSQL {pgVersion} (synchronous_commit={machine["synchronous_commit"]}, fsync={machine["fsync"]}); peer: {machine["peer"] ?? "not run"}");
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"Runtime: {machine["runtime_revision"]}; load average at start {machine["load_average_at_start"]}, at end {machine["load_average_at_end"]}");
        text.AppendLine(CultureInfo.InvariantCulture, $"Date: {settings["date_utc"]}; warm-up {options.Warmup} workflows before the PostgreSQL and SQLite rows; server transactions per workflow = pg_stat_database xact_commit + xact_rollback delta over the row, launch subtracted (each autocommit statement is one, reads included, so this counts round trips).");
        text.AppendLine();
        text.Append(table);
        text.AppendLine();
        text.AppendLine("Targets (issue 7):");
        foreach (var target in targets)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- {target!["target"]}: {target["measured"]} → {target["status"]}");
        }

        Console.WriteLine(text.ToString());
        var json = Report.Json(rows, machine, settings, targets);
        Report.Write(options.JsonPath, json.ToJsonString(Report.Indented) + "\n");
        Console.Error.WriteLine($"results written to {options.JsonPath}");
        if (options.MarkdownPath is { } markdown)
        {
            Report.Write(markdown, text.ToString());
        }

        return 0;
    }

#if DBOS_MESSAGING
    private const bool MessagingBuilt = true;
#else
    private const bool MessagingBuilt = false;
#endif

    private static async Task Step(string name, Func<Task> body)
    {
        Console.Error.WriteLine($"== {name}");
        var clock = Stopwatch.StartNew();
        try
        {
            await body();
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"{name} failed: {e}");
        }

        Console.Error.WriteLine($"== {name}: {clock.Elapsed.TotalSeconds:0.0} s");
    }

    private static JsonArray Targets(List<RowResult> rows)
    {
        var targets = new JsonArray();
        RowResult? Row(string id) => rows.Find(r => r.Id == id);
        void Add(string target, string measured, bool? met) => targets.Add(new JsonObject
        {
            ["target"] = target,
            ["measured"] = measured,
            ["status"] = met switch { true => "met", false => "missed", null => "not measured" },
        });

        string Rate(RowResult? row) => row?.Ours["per_s"] is { } v ? v.ToString("0", CultureInfo.InvariantCulture) + " wf/s" : row?.Ours.Note ?? "not run";
        var seq = Row("sequential");
        Add("3-step sequential ≥ 600 wf/s (PostgreSQL)", Rate(seq), seq?.Ours["per_s"] is { } s ? s >= 600 : null);
        var conc = Row("concurrent");
        Add("1,000 in flight ≥ 2,000 wf/s (PostgreSQL)", Rate(conc), conc?.Ours["per_s"] is { } c ? c >= 2000 : null);
        Add("step overhead on SQLite ≤ 50 µs", "see benchmarks/Micro (StepCheckpoint, SQLite)", null);
        var waiters = Row("waiters");
        var threads = waiters?.Ours["threads"];
        var count = waiters?.Ours["workflows"];
        Add("no thread per waiting workflow",
            threads is { } t ? $"{t:0} threads with {count:0} workflows waiting" : waiters?.Ours.Note ?? "not run",
            threads is { } th && count is { } n ? th < Math.Min(n, 200) : null);
        var rss = waiters?.Ours["rss_mb"];
        Add("100,000 waiting workflows < 1 GB",
            rss is { } r ? $"{r:0} MB RSS with {count:0} waiting (peak {waiters!.Ours["peak_mb"]:0} MB)" : waiters?.Ours.Note ?? "not run",
            rss is { } mb && count >= 100_000 ? (waiters!.Ours["peak_mb"] ?? mb) < 1024 : null);
        return targets;
    }

    private static JsonObject Machine()
    {
        var cpu = "unknown";
        if (File.Exists("/proc/cpuinfo"))
        {
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
        }

        double memoryGb = 0;
        if (File.Exists("/proc/meminfo"))
        {
            var line = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            if (line is not null)
            {
                memoryGb = Math.Round(double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1048576, 1);
            }
        }

        return new JsonObject
        {
            ["cpu_count"] = Environment.ProcessorCount,
            ["cpu_model"] = cpu,
            ["memory_gb"] = memoryGb,
            ["os"] = RuntimeInformation.OSDescription,
            ["dotnet"] = Environment.Version.ToString(),
            ["gc"] = System.Runtime.GCSettings.IsServerGC ? "server" : "workstation",
            ["load_average_at_start"] = LoadAverage(),
        };
    }

    /// <summary>The 1/5/15-minute load averages: on a shared machine, a busy neighbour shows here.</summary>
    private static string LoadAverage()
        => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    /// <summary>The commit the runtime was built from, and whether src/ had uncommitted changes.</summary>
    private static async Task<string> RuntimeRevisionAsync()
    {
        var head = await Peer.RunAsync("git", ["rev-parse", "--short", "HEAD"], Options.RepoRoot, new(), TimeSpan.FromSeconds(10));
        if (head.ExitCode != 0)
        {
            return "unknown";
        }

        var status = await Peer.RunAsync("git", ["status", "--porcelain", "--", "src"], Options.RepoRoot, new(), TimeSpan.FromSeconds(10));
        return head.Output.Trim() + (status.ExitCode == 0 && status.Output.Trim().Length > 0 ? " + uncommitted changes in src/" : string.Empty);
    }

    /// <summary>Runs the waiters row in a fresh process of this program, so its memory is the waiters' alone.</summary>
    private static async Task<Side> WaitersInChildAsync(Options options, string databaseUrl)
    {
        var self = Environment.ProcessPath!;
        var args = new List<string>();
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            args.Add(typeof(Program).Assembly.Location);
        }

        args.AddRange(["--child", "waiters", "--pg", databaseUrl,
            "--waiters", options.Waiters.ToString(CultureInfo.InvariantCulture),
            "--start-parallelism", options.StartParallelism.ToString(CultureInfo.InvariantCulture)]);
        var run = await Peer.RunAsync(self, args.ToArray(), Directory.GetCurrentDirectory(), new(), TimeSpan.FromMinutes(30));
        foreach (var line in run.Output.Split('\n'))
        {
            if (line.StartsWith("{\"row\":\"waiters\"", StringComparison.Ordinal))
            {
                using var doc = JsonDocument.Parse(line);
                var side = new Side();
                foreach (var property in doc.RootElement.EnumerateObject())
                {
                    if (property.Value.ValueKind == JsonValueKind.Number)
                    {
                        side.Values[property.Name] = property.Value.GetDouble();
                    }
                }

                return side;
            }
        }

        return Side.Missing(run.TimedOut ? "timed out" : $"failed (exit {run.ExitCode}): {run.Output.Trim().Split('\n').LastOrDefault()}");
    }

    private static async Task<int> RunWaitersChildAsync(Options options)
    {
#if DBOS_MESSAGING
        var harness = new DbosRows(options, options.PostgresUrl ?? throw new ArgumentException("--child waiters needs --pg"));
        var side = await harness.WaitersAsync();
        var json = new JsonObject { ["row"] = "waiters" };
        foreach (var (key, value) in side.Values)
        {
            json[key] = value;
        }

        Console.WriteLine(json.ToJsonString());
        return 0;
#else
        await Task.CompletedTask;
        Console.Error.WriteLine("messaging not built yet");
        return 3;
#endif
    }
}
