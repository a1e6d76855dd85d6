using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace Dbos.Benchmarks.Throughput;

/// <summary>Command line and environment settings. Counts use the same names as the peer (SEQ, CONC, LAT, PINGS,
/// WAITERS); a command-line option wins over the environment.</summary>
internal sealed class Options
{
    public string? PostgresUrl { get; private set; }
    public int Seq { get; private set; } = 200;
    public int Conc { get; private set; } = 1000;
    public int Lat { get; private set; } = 200;
    public int Pings { get; private set; } = 200;
    public int Queued { get; private set; } = 2000;
    public int QueueConcurrency { get; private set; } = 100;
    public int QueueLat { get; private set; } = 100;
    public int Waiters { get; private set; } = 100_000;
    private int? _peerWaiters;

    /// <summary>The peer's waiter count: as set, else the peer's own default (10,000) or fewer. Starting 100,000 of its
    /// waiters one after another takes the peer many minutes; the table compares memory per waiting workflow.</summary>
    public int PeerWaiters => _peerWaiters ?? Math.Min(Waiters, 10_000);
    public int StartParallelism { get; private set; } = 64;
    public double FloorSeconds { get; private set; } = 5;
    public int Warmup { get; private set; } = 50;
    public int Repeat { get; private set; } = 1;
    public HashSet<string>? Only { get; private set; }
    public bool Peer { get; private set; } = true;
    public string PeerDirectory { get; private set; } = Path.Combine(RepoRoot, "benchmarks", "peer");
    public string JsonPath { get; private set; } = Path.Combine(RepoRoot, "benchmarks", "results", "throughput.json");
    public string? MarkdownPath { get; private set; }
    public string? Child { get; private set; }
    public string? Command { get; private set; }

    public static string RepoRoot { get; } = FindRepoRoot();

    public bool Want(string row) => Only is null || Only.Contains(row);

    public static Options Parse(string[] args)
    {
        var o = new Options
        {
            PostgresUrl = Env("DBOS_BENCH_PG") ?? Env("DBOS_SYSTEM_DATABASE_URL"),
        };
        o.Seq = EnvInt("SEQ", o.Seq);
        o.Conc = EnvInt("CONC", o.Conc);
        o.Lat = EnvInt("LAT", o.Lat);
        o.Pings = EnvInt("PINGS", o.Pings);
        o.Queued = EnvInt("QUEUED", o.Queued);
        o.QueueConcurrency = EnvInt("QCONC", o.QueueConcurrency);
        o.QueueLat = EnvInt("QLAT", o.QueueLat);
        o.Waiters = EnvInt("WAITERS", o.Waiters);
        o._peerWaiters = Env("PEER_WAITERS") is { } pw ? int.Parse(pw, CultureInfo.InvariantCulture) : null;
        o.FloorSeconds = Env("FLOOR_SECONDS") is { } fs ? double.Parse(fs, CultureInfo.InvariantCulture) : o.FloorSeconds;
        if (Env("ONLY") is { } onlyEnv)
        {
            o.Only = Rows(onlyEnv);
        }

        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int NextInt() => int.Parse(Next(), CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--pg": o.PostgresUrl = Next(); break;
                case "--seq": o.Seq = NextInt(); break;
                case "--conc": o.Conc = NextInt(); break;
                case "--lat": o.Lat = NextInt(); break;
                case "--pings": o.Pings = NextInt(); break;
                case "--queued": o.Queued = NextInt(); break;
                case "--qconc": o.QueueConcurrency = NextInt(); break;
                case "--qlat": o.QueueLat = NextInt(); break;
                case "--waiters": o.Waiters = NextInt(); break;
                case "--peer-waiters": o._peerWaiters = NextInt(); break;
                case "--start-parallelism": o.StartParallelism = NextInt(); break;
                case "--floor-seconds": o.FloorSeconds = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--warmup": o.Warmup = NextInt(); break;
                case "--repeat": o.Repeat = Math.Max(1, NextInt()); break;
                case "--only": o.Only = Rows(Next()); break;
                case "--no-peer": o.Peer = false; break;
                case "--peer-dir": o.PeerDirectory = Path.GetFullPath(Next()); break;
                case "--json": o.JsonPath = Path.GetFullPath(Next()); break;
                case "--markdown": o.MarkdownPath = Path.GetFullPath(Next()); break;
                case "--command": o.Command = Next(); break;
                case "--child": o.Child = Next(); break;
                case "-h" or "--help":
                    Console.WriteLine(Help);
                    Environment.Exit(0);
                    break;
                default: throw new ArgumentException($"Unknown option {args[i]}.\n{Help}");
            }
        }

        return o;
    }

    public const string Help = """
        Dbos.Benchmarks.Throughput: workflows/s and latencies on PostgreSQL and SQLite beside the DBOS TypeScript peer.
          --pg URL              PostgreSQL server (postgresql://user@host:port/db); default $DBOS_BENCH_PG or $DBOS_SYSTEM_DATABASE_URL.
                                The harness creates its own databases on that server (dbos_bench, dbos_bench_peer, dbos_bench_floor).
          --only ROWS           comma list of rows or groups (default all):
                                  sequential, concurrent, empty_latency, send_recv, waiters, launch            (PostgreSQL)
                                  queue_throughput, queue_latency, queue_backlog_1k, queue_backlog_100k         (PostgreSQL queues)
                                  sqlite_sequential, sqlite_concurrent, sqlite_empty_latency                  (SQLite)
                                  list_1m, list_1m_errors, list_1m_name, gc_batch       (1,000,000 workflows, database dbos_bench_management)
                                  insert_1, insert_8, pgbench_1, pgbench_8                                     (raw database floor)
                                  groups: postgres, queues, sqlite, management, floor
          --seq N --conc N --lat N --pings N --waiters N   counts (env SEQ, CONC, LAT, PINGS, WAITERS; defaults 200 1000 200 200 100000)
          --peer-waiters N      WAITERS for the peer (env PEER_WAITERS; default: --waiters, at most 10000, the peer's own default)
          --start-parallelism N waiters started at once by this harness (default 64)
          --floor-seconds S     duration of each raw insert run (env FLOOR_SECONDS; default 5)
          --warmup N            workflows run before measuring, not counted (default 50)
          --repeat N            run each rate, latency and floor row N times, ours and the peer's, and report the median
                                run with the range (default 1; the waiters row always runs once)
          --no-peer             skip the DBOS TypeScript peer
          --peer-dir DIR        the peer's directory (default benchmarks/peer)
          --json PATH           where to write the results (default benchmarks/results/throughput.json)
          --markdown PATH       also write the table there
          --command TEXT        the command line to record in the results
        """;

    private static HashSet<string> Rows(string list)
    {
        var rows = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            switch (item)
            {
                case "postgres" or "pg":
                    rows.UnionWith(["launch", "sequential", "concurrent", "empty_latency", "queue_throughput", "queue_latency", "send_recv", "waiters"]);
                    break;
                case "queues":
                    rows.UnionWith(["queue_throughput", "queue_latency", "queue_backlog_1k", "queue_backlog_100k"]);
                    break;
                case "sqlite":
                    rows.UnionWith(["sqlite_sequential", "sqlite_concurrent", "sqlite_empty_latency"]);
                    break;
                case "floor":
                    rows.UnionWith(["insert_1", "insert_8", "pgbench_1", "pgbench_8"]);
                    break;
                case "management":
                    rows.UnionWith(["list_1m", "list_1m_errors", "list_1m_name", "gc_batch"]);
                    break;
                default:
                    if (!Array.Exists(Report.AllRows, r => r == item))
                    {
                        throw new ArgumentException($"Unknown row '{item}'. Rows: {string.Join(", ", Report.AllRows)}; groups: postgres, queues, sqlite, management, floor.");
                    }

                    rows.Add(item);
                    break;
            }
        }

        return rows;
    }

    private static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;

    private static int EnvInt(string name, int fallback) => Env(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Workflows.sln")))
            {
                return dir.FullName;
            }
        }

        return Directory.GetCurrentDirectory();
    }
}
