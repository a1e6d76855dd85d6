using System;
using System.Collections.Concurrent;
using System.Threading.Tasks;

namespace Dbos.Testing.Tests;

/// <summary>How many times each step body ran, per key (a test uses its own workflow IDs as keys).</summary>
public static class Runs
{
    private static readonly ConcurrentDictionary<string, int> Counts = new();

    public static int Hit(string key) => Counts.AddOrUpdate(key, 1, (_, n) => n + 1);

    public static int Count(string key) => Counts.TryGetValue(key, out var n) ? n : 0;
}

/// <summary>Workflows that wait on time: durable sleeps, receive timeouts, step retry intervals.</summary>
public partial class TimedWorkflows
{
    [Workflow]
    public async Task<string> Subscription(string customer, int days)
    {
        await Bill(customer);
        await DBOS.SleepAsync(TimeSpan.FromDays(days));
        await Bill(customer);
        return $"{customer}: billed twice, {days} days apart";
    }

    [Workflow]
    public async Task<string> WaitForPayment(string order)
    {
        var paid = await DBOS.RecvAsync<string>("payment", TimeSpan.FromDays(1));
        return paid is null ? $"{order}: expired" : $"{order}: paid {paid}";
    }

    [Workflow]
    public async Task<int> Flaky(string key)
    {
        return await FailTwice(key);
    }

    [Workflow]
    public async Task<string> SleepPastTimeout()
    {
        await DBOS.SleepAsync(TimeSpan.FromDays(2));
        return "finished";
    }

    [Step]
    private static Task Bill(string customer)
    {
        Runs.Hit("bill-" + customer);
        return Task.CompletedTask;
    }

    [Step(RetriesAllowed = true, MaxAttempts = 3, IntervalSeconds = 3600)]
    private static Task<int> FailTwice(string key)
        => Runs.Hit("flaky-" + key) < 3 ? throw new InvalidOperationException("not yet") : Task.FromResult(Runs.Count("flaky-" + key));
}

/// <summary>A payment provider, replaced by a fake in tests through DI.</summary>
public interface IPayments
{
    Task<string> ChargeAsync(string order, decimal amount);
}

/// <summary>An order workflow of three steps whose dependency comes from DI.</summary>
public partial class Checkout(IPayments payments)
{
    [Workflow]
    public async Task<string> Run(string order, decimal amount)
    {
        var reservation = await Reserve(order);
        var payment = await Charge(order, amount);
        var tracking = await Ship(order);
        return $"{reservation}/{payment}/{tracking}";
    }

    [Step]
    private static Task<string> Reserve(string order)
    {
        Runs.Hit("reserve-" + order);
        return Task.FromResult("res-" + order);
    }

    [Step]
    private Task<string> Charge(string order, decimal amount)
    {
        Runs.Hit("charge-" + order);
        return payments.ChargeAsync(order, amount);
    }

    [Step]
    private static Task<string> Ship(string order)
    {
        Runs.Hit("ship-" + order);
        return Task.FromResult("track-" + order);
    }
}

/// <summary>A parent that calls a child workflow inline between two steps.</summary>
public partial class Family
{
    [Workflow]
    public async Task<string> Parent(string key)
    {
        await Note("before-" + key);
        var child = await Child(key);
        await Note("after-" + key);
        return "parent+" + child;
    }

    [Workflow]
    public async Task<string> Child(string key)
    {
        await Note("child-" + key);
        return "child";
    }

    [Step]
    private static Task Note(string key)
    {
        Runs.Hit("note-" + key);
        return Task.CompletedTask;
    }
}

/// <summary>Workflows started by the clock: a queue's delay, a stored schedule's ticks.</summary>
public partial class ClockedWorkflows
{
    [Workflow]
    public Task<string> Reminder(string text) => Task.FromResult($"reminder: {text}");

    // A stored schedule's workflow: the tick, and the schedule's context.
    [Workflow]
    public Task<string> DailyDigest(DateTimeOffset scheduledTime, string audience) => Task.FromResult($"digest for {audience} at {scheduledTime:O}");
}
