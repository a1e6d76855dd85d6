using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Dbos;

namespace Dbos.TestApp;

/// <summary>
/// Recovery by several live processes of one executor id (the default <c>local</c>):
///   fleet-start DB LEDGER GATE COUNT            starts COUNT workflows fleet-0..; each runs its first steps and then waits at GATE
///                                               (a file) before step <see cref="FreeSteps"/>; prints "STARTED"; the test SIGKILLs it
///   fleet-recover DB LEDGER GATE COUNT START_AT launches at START_AT (epoch ms, 0 = now), runs a recovery pass and prints
///                                               "RECOVERED n", then prints "RESULT done" once every fleet workflow has succeeded
/// Every step body appends "workflow,step,pid" to LEDGER.{pid}, so the test can tell which process ran which step.
/// </summary>
internal static class FleetMode
{
    public const int Steps = 5;
    public const int FreeSteps = 2;

    public static async Task<int> RunAsync(DbosOptions options, string[] args)
    {
        Fleet.Ledger = args[2];
        Fleet.Gate = args[3];
        var count = int.Parse(args[4], CultureInfo.InvariantCulture);
        if (args[0] == "fleet-start")
        {
            await using var first = await DbosRuntime.LaunchAsync(options);
            for (var i = 0; i < count; i++)
            {
                using (new SetWorkflowID($"fleet-{i}"))
                {
                    await DBOS.StartWorkflowAsync(() => new Fleet().Run(Steps, FreeSteps));
                }
            }

            Console.WriteLine("STARTED");
            await Task.Delay(Timeout.InfiniteTimeSpan);
            return 0;
        }

        var startAt = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(args[5], CultureInfo.InvariantCulture));
        if (startAt - DateTimeOffset.UtcNow is { } wait && wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }

        var launch = System.Diagnostics.Stopwatch.StartNew();
        await using var runtime = await DbosRuntime.LaunchAsync(options);
        Console.WriteLine("LAUNCHED " + launch.ElapsedMilliseconds.ToString(CultureInfo.InvariantCulture) + " ms");
        var recovered = await runtime.RecoverPendingWorkflowsAsync(); // after the pass run at start
        Console.WriteLine("RECOVERED " + recovered.Count.ToString(CultureInfo.InvariantCulture));
        while (true)
        {
            var statuses = await Task.WhenAll(Enumerable.Range(0, count).Select(i => runtime.GetWorkflowStatusAsync($"fleet-{i}")));
            if (statuses.All(s => s?.Status == WorkflowStatuses.Success))
            {
                break;
            }

            await Task.Delay(50);
        }

        Console.WriteLine("RESULT done");
        return 0;
    }
}

public partial class Fleet
{
    public static string Ledger { get; set; } = "";

    public static string Gate { get; set; } = "";

    [Workflow]
    public async Task<int> Run(int steps, int freeSteps)
    {
        var total = 0;
        for (var i = 0; i < steps; i++)
        {
            total += await Step(i, freeSteps);
        }

        return total;
    }

    [Step]
    private static async Task<int> Step(int index, int freeSteps)
    {
        while (index >= freeSteps && !File.Exists(Gate))
        {
            await Task.Delay(20);
        }

        // One file per process: appends from several processes to one file could overwrite each other.
        Effects.AppendTo($"{Ledger}.{Environment.ProcessId}", $"{DBOS.WorkflowId},{index},{Environment.ProcessId}");
        return index;
    }
}
