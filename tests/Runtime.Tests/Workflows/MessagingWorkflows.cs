using System;
using System.Collections.Generic;
using System.Threading.Tasks;

namespace Dbos.Tests;

public partial class MessagingWorkflows
{
    [Workflow]
    public static async Task<List<int>> ReceiveMany(int count)
    {
        var received = new List<int>(count);
        for (var i = 0; i < count; i++)
        {
            received.Add(await DBOS.RecvAsync<int?>(timeout: TimeSpan.FromSeconds(60)) ?? -1);
        }

        return received;
    }

    [Workflow]
    public static async Task<string?> ReceiveOne(string? topic, double timeoutSeconds)
        => await DBOS.RecvAsync<string>(topic, TimeSpan.FromSeconds(timeoutSeconds));

    [Workflow]
    public static async Task<string?> GateThenReceive(string gate)
    {
        await BasicWorkflows.WaitGate(gate);
        return await DBOS.RecvAsync<string>(timeout: TimeSpan.FromSeconds(30));
    }

    [Workflow]
    public static async Task<string> ReceiveTopics()
    {
        var onTopic = await DBOS.RecvAsync<string>("x", TimeSpan.FromSeconds(30));
        var noTopic = await DBOS.RecvAsync<string>(timeout: TimeSpan.FromSeconds(30));
        return onTopic + "," + noTopic;
    }

    [Workflow]
    public static async Task<int?> ReceiveNumber() => await DBOS.RecvAsync<int?>(timeout: TimeSpan.FromSeconds(30));

    [Workflow]
    public static async Task SendFromWorkflow(string destination, string message)
    {
        await DBOS.SendAsync(destination, message, "from-workflow");
        await BasicWorkflows.WaitGate(destination + "-sent");
    }

    [Workflow]
    public static async Task<string> Publisher(string gate)
    {
        await DBOS.SetEventAsync("status", "started");
        await BasicWorkflows.WaitGate(gate);
        await DBOS.SetEventAsync("status", "done");
        return "published";
    }

    [Workflow]
    public static async Task SetsEvent(string key) => await DBOS.SetEventAsync(key, "value");

    [Workflow]
    public static async Task<string> PublishFromStep() => await SetInStep();

    [Step]
    public static async Task<string> SetInStep()
    {
        await DBOS.SetEventAsync("from-step", 42);
        return "set";
    }

    [Workflow]
    public static async Task<string?> WaitForEvent(string target, string key, double timeoutSeconds)
        => await DBOS.GetEventAsync<string>(target, key, TimeSpan.FromSeconds(timeoutSeconds));

    [Workflow]
    public static async Task<string> SleepTwice(double seconds)
    {
        await DBOS.SleepAsync(TimeSpan.FromSeconds(seconds));
        await DBOS.SleepAsync(TimeSpan.Zero); // no wait, no function id
        await DBOS.SleepAsync(TimeSpan.FromSeconds(seconds));
        return "rested";
    }

    [Workflow]
    public static async Task<string> StartsChildren(string gate)
    {
        var first = await DBOS.StartWorkflowAsync(() => CountedChild("one"));
        var second = await DBOS.StartWorkflowAsync(() => CountedChild("two"));
        var results = await first.GetResultAsync() + "+" + await second.GetResultAsync();
        await BasicWorkflows.WaitGate(gate);
        return results;
    }

    [Workflow]
    public static Task<string> CountedChild(string name)
    {
        Probe.Hit("child:" + name);
        return Task.FromResult(name + "@" + DBOS.WorkflowId);
    }

    [Workflow]
    public static int SyncMessaging(string peer)
    {
        DBOS.SetEvent("sync", "ready");
        DBOS.Sleep(TimeSpan.FromMilliseconds(10));
        var received = DBOS.Recv<int?>(timeout: TimeSpan.FromSeconds(30)) ?? -1;
        DBOS.Send(peer, received + 1);
        return received;
    }

    /// <summary>Sleeps durably, then returns the wall clock (epoch ms) at which it woke.</summary>
    [Workflow]
    public static async Task<long> SleepThenClock(double seconds)
    {
        await DBOS.SleepAsync(TimeSpan.FromSeconds(seconds));
        return await WallClock();
    }

    [Step]
    private static Task<long> WallClock() => Task.FromResult(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
}
