using System;
using System.Collections.Generic;
using System.Linq;
using System.Linq.Expressions;
using System.Threading.Tasks;
using Dbos;

namespace Shop;

public sealed record Order(int Id, string Item, int Quantity);

// Calls marked with the I comment must be intercepted; every other call must not be.
public partial class OrderWorkflows
{
    private readonly List<string> _log = new();

    [Workflow]
    public async Task<string> PlaceOrderAsync(Order order)
    {
        var reservation = await /*I*/ReserveAsync(order.Item, order.Quantity);
        await this./*I*/ChargeAsync(order.Id, 9.99m);
        /*I*/Audit("placed");
        var shipped = /*I*/Ship(order.Id);
        var labels = Enumerable.Range(0, order.Quantity).Select(i => /*I*/Label(i)).ToList();
        foreach (var text in new[] { "a", "b" })
        {
            labels.Add(/*I*/Label(text));
        }

        var measured = await OrderWorkflows./*I*/MeasureAsync();
        await /*I*/NotifyAsync(channel: "orders", message: shipped);
        Expression<Func<string>> notACall = () => Ship(order.Id);
        Func<int, string> group = Label;
        return reservation + shipped + labels.Count + measured + notACall + group;
    }

    [Workflow(Name = "nightly-report", MaxRecoveryAttempts = 5)]
    public static async Task RunReport(DateTime day)
        => await /*I*/NotifyAsync("report", day.ToString("O", System.Globalization.CultureInfo.InvariantCulture));

    [Workflow]
    public int Count(string? filter = null, params int[] extra) => (filter?.Length ?? 0) + extra.Length;

    [Workflow]
    public void Reset() => _log.Clear();

    [Workflow]
    public ValueTask<int> TotalAsync(int a, int b) => new(a + b);

    [Workflow]
    public ValueTask PingAsync() => default;

    [Step]
    private async Task<string> ReserveAsync(string item, int quantity)
    {
        await Task.Yield();
        _log.Add(item);
        return item + "-" + quantity;
    }

    [Step(RetriesAllowed = true, MaxAttempts = 5, IntervalSeconds = 0.5, BackoffRate = 3)]
    protected virtual Task ChargeAsync(int orderId, decimal amount) => Task.CompletedTask;

    [Step]
    private void Audit(string message) => _log.Add(message);

    [Step(Name = "ship")]
    private static string Ship(int orderId) => "track-" + orderId;

    [Step]
    private static string Label(int index) => "label-" + index;

    [Step]
    private static string Label(string text) => "label-" + text;

    [Step]
    private static ValueTask<int> MeasureAsync() => new(42);

    [Step]
    public static ValueTask NotifyAsync(string channel, string message) => default;
}

public partial class PriorityOrderWorkflows : OrderWorkflows
{
    // base.X() must never be intercepted: the interceptor's virtual call would come back here forever.
    protected override Task ChargeAsync(int orderId, decimal amount) => base.ChargeAsync(orderId, amount);

    [Workflow]
    public async Task<int> ExpediteAsync(int orderId)
    {
        await /*I*/ChargeAsync(orderId, 1m);
        return orderId;
    }
}
