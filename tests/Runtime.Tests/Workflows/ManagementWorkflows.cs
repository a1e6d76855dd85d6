using System;
using System.Threading.Tasks;

namespace Dbos.Tests;

/// <summary>Workflows that wait in each durable way (so tests can cancel, time out, resume and fork them mid-run) and that
/// leave events and children behind.</summary>
public partial class ManagementWorkflows
{
    [Step]
    public static Task<string> Mark(string key, string label)
    {
        Probe.Hit(key + ":" + label);
        return Task.FromResult(label);
    }

    [Workflow]
    public static async Task<string> WaitsForMessage(string key)
    {
        await Mark(key, "before");
        var message = await DBOS.RecvAsync<string>("topic", TimeSpan.FromHours(1));
        await Mark(key, "after");
        return message ?? "no message";
    }

    [Workflow]
    public static async Task<string> SleepsLong(string key)
    {
        await Mark(key, "before");
        await DBOS.SleepAsync(TimeSpan.FromHours(1));
        await Mark(key, "after");
        return "woke";
    }

    [Workflow]
    public static async Task<string> WaitsForEvent(string key)
    {
        await Mark(key, "before");
        var value = await DBOS.GetEventAsync<string>(key + "-nobody", "never", TimeSpan.FromHours(1));
        await Mark(key, "after");
        return value ?? "no event";
    }

    /// <summary>Two children waiting for messages; the parent waits for both.</summary>
    [Workflow]
    public static async Task<string> ParentOfTwo(string key)
    {
        var first = await DBOS.StartWorkflowAsync(() => WaitsForMessage(key + "-a"));
        var second = await DBOS.StartWorkflowAsync(() => WaitsForMessage(key + "-b"));
        return await first.GetResultAsync() + "," + await second.GetResultAsync();
    }

    /// <summary>Events at function ids 0, 2 and 3, steps at 1 and 4.</summary>
    [Workflow]
    public static async Task<string> PublishesEvents(string key)
    {
        await DBOS.SetEventAsync("color", "red");
        await Mark(key, "one");
        await DBOS.SetEventAsync("color", "green");
        await DBOS.SetEventAsync("size", "large");
        await Mark(key, "two");
        return "published";
    }

    /// <summary>Five steps numbered by their function id (0..4), each counted, and a result naming the input.</summary>
    [Workflow]
    public static async Task<string> FiveSteps(string key)
    {
        var result = key;
        for (var i = 0; i < 5; i++)
        {
            result += ":" + await Mark(key, "step" + i);
        }

        return result;
    }

    [Workflow]
    public static Task<string> Quick(string value) => Task.FromResult("quick " + value);

    [Workflow]
    public static async Task<string> FailsWith(string message)
    {
        await Mark(message, "before");
        throw new InvalidOperationException(message);
    }

    /// <summary>Starts a child with the inherited deadline, or (<paramref name="ownTimeout"/> set) with its own / none (0).</summary>
    [Workflow]
    public static async Task<string> StartsChild(string key, double? ownTimeoutSeconds)
    {
        WorkflowHandle<string> child;
        if (ownTimeoutSeconds is { } seconds)
        {
            using (new SetWorkflowTimeout(seconds == 0 ? null : TimeSpan.FromSeconds(seconds)))
            {
                child = await DBOS.StartWorkflowAsync(() => Quick(key));
            }
        }
        else
        {
            child = await DBOS.StartWorkflowAsync(() => Quick(key));
        }

        return await child.GetResultAsync();
    }
}

public partial class TimeoutWorkflows
{
    /// <summary>A step, a step that waits at a gate (the test's "crash" point), then a counted step.</summary>
    [Workflow]
    public static async Task<string> GatedThenMark(string key)
    {
        await ManagementWorkflows.Mark(key, "before");
        await BasicWorkflows.WaitGate(key);
        await ManagementWorkflows.Mark(key, "after");
        return "finished";
    }
}

public partial class RetentionWorkflows
{
    [Step]
    public static async Task<bool> ShouldStop(string key)
    {
        await Task.Delay(5); // a steady stream of checkpoints, not a busy loop
        return Probe.Flag(key);
    }

    /// <summary>Checkpoints steps until the test sets the flag: two rows per round, one more at the end.</summary>
    [Workflow]
    public static async Task<int> StepsUntilStopped(string key)
    {
        var rounds = 0;
        while (!await ShouldStop(key))
        {
            await ManagementWorkflows.Mark(key, "round");
            rounds++;
        }

        return rounds;
    }
}

public partial class CancellableWorkflows
{
    /// <summary>Waits until its token fires (counted), then lets the cancellation surface.</summary>
    [Step]
    public static async Task<string> WaitForToken(string key, System.Threading.CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(System.Threading.Timeout.Infinite, cancellationToken);
            return "never";
        }
        catch (OperationCanceledException)
        {
            Probe.Hit(key + ":token fired");
            throw;
        }
    }

    [Step]
    public static bool TokenCanFire(System.Threading.CancellationToken cancellationToken) => cancellationToken.CanBeCanceled;

    [Workflow]
    public static async Task<string> WaitsInACancellableStep(string key)
    {
        await ManagementWorkflows.Mark(key, "before");
        var result = await WaitForToken(key, System.Threading.CancellationToken.None);
        await ManagementWorkflows.Mark(key, "after");
        return result;
    }

    [Workflow]
    public static Task<bool> AsksWhetherItsTokenCanFire() => Task.FromResult(TokenCanFire(default));
}
