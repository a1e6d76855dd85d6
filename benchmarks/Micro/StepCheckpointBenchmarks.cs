using System;
using System.Collections.Generic;
using System.IO;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using Dbos.Benchmarks.Throughput;

namespace Dbos.Benchmarks;

/// <summary>
/// A whole workflow of N steps, run directly (start, N checkpoints, finish). The "Per step" column is
/// (mean(N) - mean(0)) / N: the cost of one checkpointed step. PostgreSQL runs only when DBOS_BENCH_PG names a server
/// (scripts/bench.sh --micro sets it); the benchmark makes its own database there.
/// </summary>
[MemoryDiagnoser]
public class StepCheckpointBenchmarks
{
    private DbosRuntime? _runtime;
    private string? _sqliteFile;

    [ParamsSource(nameof(Engines))]
    public string Engine { get; set; } = "sqlite";

    [Params(0, 10, 100)]
    public int Steps { get; set; }

    public static IEnumerable<string> Engines()
    {
        yield return "sqlite";
        if (MicroSettings.PostgresUrl is not null)
        {
            yield return "postgres";
        }
    }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        string url;
        if (Engine == "postgres")
        {
            var server = new PostgresServer(MicroSettings.PostgresUrl!);
            await server.RecreateDatabaseAsync("dbos_micro");
            url = server.Url("dbos_micro");
        }
        else
        {
            _sqliteFile = Path.Combine(Path.GetTempPath(), $"dbos-micro-{Environment.ProcessId}-{Guid.NewGuid():N}.sqlite");
            url = "sqlite:///" + _sqliteFile;
        }

        _runtime = await DbosRuntime.LaunchAsync(new DbosOptions { SystemDatabaseUrl = url, ApplicationVersion = "micro", ExecutorId = "micro" });
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        if (_runtime is not null)
        {
            await _runtime.DisposeAsync();
        }

        if (_sqliteFile is not null)
        {
            foreach (var suffix in new[] { "", "-wal", "-shm" })
            {
                File.Delete(_sqliteFile + suffix);
            }
        }
    }

    [Benchmark]
    public Task<int> Workflow()
    {
        using (_runtime!.Use())
        {
            return MicroWorkflows.Steps(Steps);
        }
    }
}
