using System;
using System.Threading.Tasks;
using Dbos;

namespace Dbos.TestApp;

/// <summary>
///   worker DB EXECUTOR_ID   serves the queue "client-queue" with the workflows of <see cref="ClientWorkflows"/> until its standard
///                           input closes; prints "READY" once it listens. The client tests enqueue into it from another process.
/// </summary>
public static class WorkerMode
{
    public const string Queue = "client-queue";

    public static async Task<int> RunAsync(DbosOptions options, string[] args)
    {
        options.ExecutorId = args[2];
        options.AddQueue(new WorkflowQueue(Queue) { WorkerConcurrency = 8 });
        await using var runtime = await DbosRuntime.LaunchAsync(options);
        Console.WriteLine("READY " + Environment.ProcessId);
        while (await Console.In.ReadLineAsync() is not null)
        {
            // Runs until the test closes standard input (or kills the process).
        }

        Console.WriteLine("RESULT stopped");
        return 0;
    }
}

/// <summary>The workflows a <c>DbosClient</c> drives from the test process; they run in the worker process only.</summary>
public partial class ClientWorkflows
{
    [Workflow]
    public async Task<string> Greet(string name, int times)
    {
        var where = await WhereAmI();
        return $"{name}x{times}@{where}";
    }

    [Step]
    private static Task<int> WhereAmI() => Task.FromResult(Environment.ProcessId);

    /// <summary>Publishes "waiting", waits for a message on "reply", publishes "done" and returns both.</summary>
    [Workflow]
    public async Task<string> Converse(string greeting)
    {
        await DBOS.SetEventAsync("status", "waiting");
        var reply = await DBOS.RecvAsync<string>("reply", TimeSpan.FromMinutes(5)) ?? "timeout";
        await DBOS.SetEventAsync("status", "done");
        return $"{greeting} {reply}";
    }

    [Workflow]
    public async Task Record(Order order)
    {
        await DBOS.SetEventAsync("order", order with { Quantity = order.Quantity * 2 });
    }
}

public sealed record Order(string Item, int Quantity);
