using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Dbos;

namespace Dbos.TestApp;

/// <summary>
/// One of several executors firing one stored schedule:
///   schedule DB LEDGER create|join   launches (create: first stores the schedule "fleet-ticks", every second, unless it exists), prints
///                                    "STARTED", then fires and runs ticks until killed
/// Each run's step appends "workflowId,pid" to LEDGER.{pid}, so the test can tell which process ran which tick, and how often.
/// </summary>
internal static class ScheduleMode
{
    public const string ScheduleName = "fleet-ticks";

    public static async Task<int> RunAsync(DbosOptions options, string[] args)
    {
        FleetTicks.Ledger = args[2];
        options.ExecutorId = "schedule-" + Environment.ProcessId;
        options.SchedulerPollingInterval = TimeSpan.FromSeconds(1);
        await using var runtime = await DbosRuntime.LaunchAsync(options);
        if (args[3] == "create" && await runtime.GetScheduleAsync(ScheduleName) is null)
        {
            await runtime.CreateScheduleAsync(ScheduleName, nameof(FleetTicks.Record), "* * * * * *", "fleet", new ScheduleOptions { WorkflowClassName = nameof(FleetTicks) });
        }

        Console.WriteLine("STARTED");
        await Task.Delay(Timeout.InfiniteTimeSpan);
        return 0;
    }
}

public static partial class FleetTicks
{
    public static string Ledger { get; set; } = "";

    [Workflow]
    public static async Task<string> Record(DateTimeOffset scheduledTime, string context)
    {
        await Append();
        return context;
    }

    [Step]
    private static Task Append()
    {
        Effects.AppendTo($"{Ledger}.{Environment.ProcessId}", $"{DBOS.WorkflowId},{Environment.ProcessId}");
        return Task.CompletedTask;
    }
}
