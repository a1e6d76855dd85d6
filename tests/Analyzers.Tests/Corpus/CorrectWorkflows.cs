// Workflows written the way the docs ask: every analyzer must stay silent on this file.
using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Dbos;
using Microsoft.Extensions.Logging;

namespace Corpus.Correct;

public sealed record Order(int Id, string Item, int Quantity, decimal UnitPrice);

public sealed record Receipt(int OrderId, string PaymentId, DateTimeOffset ChargedAt, Guid Reference);

public interface IPayments
{
    Task<string> ChargeAsync(int orderId, decimal amount, CancellationToken cancellationToken = default);
}

public partial class Checkout(IPayments payments, ILogger<Checkout> logger)
{
    private static readonly Random Seeded = new(1234);

    [Workflow(Name = "checkout")]
    public async Task<Receipt> PlaceOrder(Order order)
    {
        logger.LogInformation("Order {Id} in workflow {Workflow}", order.Id, DBOS.WorkflowId);
        var now = await Now();
        var reference = await NewReference();
        var total = Total(order);
        var payment = await Charge(order.Id, total);
        var tasks = Enumerable.Range(0, order.Quantity).Select(i => Reserve(order.Item, i)).ToList();
        var reserved = await Task.WhenAll(tasks);
        var first = tasks[0].Result;
        await Notify(order.Id, $"reserved {reserved.Length} (first {first})");
        await DBOS.SetEventAsync("status", "charged");
        var confirmation = await DBOS.RecvAsync<string>("confirm", TimeSpan.FromMinutes(5));
        if (confirmation is null)
        {
            await DBOS.SleepAsync(TimeSpan.FromSeconds(30));
        }

        var child = await DBOS.StartWorkflowAsync(() => Ship(order.Id));
        await child.GetResultAsync();
        return new Receipt(order.Id, payment, now, reference);
    }

    [Workflow]
    public async Task<string> Ship(int orderId)
    {
        await DBOS.SendAsync("warehouse", orderId, "ship");
        return "shipped-" + orderId;
    }

    [Workflow]
    public int Count(int[] ids)
    {
        var doubled = ids.Select(id => Double(id)).ToArray();
        return doubled.Sum() + Seeded.Next(0, 1) * 0;
    }

    [Step]
    private static Task<DateTimeOffset> Now() => Task.FromResult(DateTimeOffset.UtcNow);

    [Step]
    private static Task<Guid> NewReference() => Task.FromResult(Guid.NewGuid());

    [Step(RetriesAllowed = true, MaxAttempts = 5)]
    private async Task<string> Charge(int orderId, decimal total)
    {
        await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(10)));
        return await payments.ChargeAsync(orderId, total);
    }

    [Step]
    private static async Task<int> Reserve(string item, int index)
    {
        await Task.Delay(1);
        return item.Length + index;
    }

    [Step]
    private static Task Notify(int orderId, string message)
    {
        Console.WriteLine($"{DateTime.Now:O} order {orderId}: {message}");
        return Task.CompletedTask;
    }

    [Step]
    private static int Double(int x) => x * 2;

    private static decimal Total(Order order) => order.Quantity * order.UnitPrice;
}

/// <summary>Outside workflows, anything goes.</summary>
public static class Client
{
    public static async Task<Receipt> Run(Checkout checkout, Order order)
    {
        using (new SetWorkflowID("order-" + order.Id + "-" + DateTime.UtcNow.Ticks))
        {
            var handle = await DBOS.StartWorkflowAsync(() => checkout.PlaceOrder(order));
            await DBOS.SendAsync(handle.WorkflowId, "yes", "confirm");
            var status = await DBOS.GetEventAsync<string>(handle.WorkflowId, "status");
            Console.WriteLine(status);
            return handle.GetResult();
        }
    }
}
