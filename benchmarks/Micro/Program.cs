using System;
using System.Linq;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Dbos.Benchmarks;

internal static class MicroSettings
{
    /// <summary>A PostgreSQL server URL for the PostgreSQL cases (scripts/bench.sh --micro sets it).</summary>
    public static string? PostgresUrl => Environment.GetEnvironmentVariable("DBOS_BENCH_PG") is { Length: > 0 } url ? url : null;
}

/// <summary>
/// dotnet run -c Release --project benchmarks/Micro -- --filter '*'            all benchmarks, short job, in process
/// dotnet run -c Release --project benchmarks/Micro -- --filter '*Step*'       step checkpoints only
/// Any BenchmarkDotNet option works; passing --job or a toolchain option replaces the default short in-process job.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        IConfig config = DefaultConfig.Instance
            .AddColumn(new PerStepColumn())
            .WithOptions(ConfigOptions.JoinSummary | ConfigOptions.DisableLogFile);
        var chooses = args.Any(a => a is "--job" or "-j" or "--runtimes" or "-r" or "--inProcess" or "-i" or "--toolchain" || a.StartsWith("--job", StringComparison.Ordinal));
        if (!chooses)
        {
            // A few minutes for everything: 1 launch, 3 warm-up and 5 measured iterations, in this process.
            config = config.AddJob(Job.ShortRun.WithIterationCount(5).WithToolchain(InProcessEmitToolchain.Instance).WithId("ShortInProcess"));
        }

        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args.Length == 0 ? ["--filter", "*"] : args, config);
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }
}
