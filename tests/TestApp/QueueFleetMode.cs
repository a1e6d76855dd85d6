using System;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using Dbos;

namespace Dbos.TestApp;

/// <summary>
/// Several worker processes sharing one queue:
///   queue-worker DB LEDGER EXECUTOR_ID WORKER_CONCURRENCY ENQUEUE_COUNT [STICK_EVERY]
/// serves the queue "fleet-queue" (global concurrency <see cref="GlobalConcurrency"/>, the given worker concurrency) as executor
/// EXECUTOR_ID, first enqueuing ENQUEUE_COUNT workflows qf-0.. when it is above zero; prints "READY" and runs until killed.
/// With STICK_EVERY = n above zero, this process never finishes step 1 of the first, the (n+1)th, ... workflow that reaches it here
/// (it prints "STUCK id" and waits forever), so a test that kills it knows some of its workflows are mid-way.
/// Each step body appends "enter,workflow,step,pid,ticks" before its work and "exit,workflow,step,pid,ticks" after it to
/// LEDGER.{pid} (ticks: DateTime.UtcNow, one clock for every process of the machine), so the test can see which process ran
/// which step and how many ran at once.
/// </summary>
internal static class QueueFleetMode
{
    public const int GlobalConcurrency = 10;
    public const int Steps = 3;

    public static async Task<int> RunAsync(DbosOptions options, string[] args)
    {
        QueueFleet.Ledger = args[2];
        options.ExecutorId = args[3];
        var queue = new WorkflowQueue("fleet-queue") { Concurrency = GlobalConcurrency, WorkerConcurrency = int.Parse(args[4], CultureInfo.InvariantCulture) };
        var enqueue = int.Parse(args[5], CultureInfo.InvariantCulture);
        QueueFleet.StickEvery = args.Length > 6 ? int.Parse(args[6], CultureInfo.InvariantCulture) : 0;
        options.TakeoverInterval = TimeSpan.FromMilliseconds(250);
        options.AddQueue(queue);
        await using var runtime = await DbosRuntime.LaunchAsync(options);
        for (var i = 0; i < enqueue; i++)
        {
            await DBOS.EnqueueAsync(queue, () => new QueueFleet().Run(Steps), new WorkflowOptions { WorkflowId = $"qf-{i}" });
        }

        Console.WriteLine("READY");
        await Task.Delay(Timeout.InfiniteTimeSpan);
        return 0;
    }
}

public partial class QueueFleet
{
    public static string Ledger { get; set; } = "";

    public static int StickEvery { get; set; }

    private static int _seconds;

    [Workflow]
    public async Task<int> Run(int steps)
    {
        var total = 0;
        for (var i = 0; i < steps; i++)
        {
            total += await Work(i);
        }

        return total;
    }

    [Step]
    private static async Task<int> Work(int index)
    {
        var path = $"{Ledger}.{Environment.ProcessId}";
        Effects.AppendTo(path, Line("enter", index));
        if (index == 1 && StickEvery > 0 && (Interlocked.Increment(ref _seconds) - 1) % StickEvery == 0)
        {
            Console.WriteLine("STUCK " + DBOS.WorkflowId);
            await Task.Delay(Timeout.InfiniteTimeSpan);
        }

        await Task.Delay(40);
        Effects.AppendTo(path, Line("exit", index));
        return index;
    }

    private static string Line(string what, int index) => string.Join(',', what, DBOS.WorkflowId, index.ToString(CultureInfo.InvariantCulture),
        Environment.ProcessId.ToString(CultureInfo.InvariantCulture), DateTime.UtcNow.Ticks.ToString(CultureInfo.InvariantCulture));
}
