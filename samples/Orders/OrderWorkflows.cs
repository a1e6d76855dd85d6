using System;
using System.Diagnostics;
using System.Threading.Tasks;
using Dbos;
using Microsoft.EntityFrameworkCore;

namespace Dbos.Samples.Orders;

public sealed record Order(int OrderId, string Item, int Quantity, decimal UnitPrice);

public sealed record Receipt(int OrderId, string ReservationId, string PaymentId, string TrackingNumber, decimal Total);

/// <summary>A payment provider: charging twice would be a real-world bug, which is what durable steps prevent.</summary>
public interface IPaymentGateway
{
    Task<string> ChargeAsync(int orderId, decimal amount);
}

public sealed class FakePaymentGateway : IPaymentGateway
{
    public Task<string> ChargeAsync(int orderId, decimal amount) => Task.FromResult($"pay-{orderId}-{amount:0.00}");
}

/// <summary>The order workflow: a transaction, a charge on a rate-limited queue and two steps, each checkpointed. Kill the process anywhere and run it
/// again: the operations that had finished are not run again.</summary>
public partial class OrderWorkflows(IPaymentGateway payments)
{
    /// <summary>Charges go through a queue: at most 5 a second across every process of the app (the limit is shared through the
    /// system database) and at most 2 at once in each process. Program.cs registers it with AddQueue.</summary>
    public static readonly WorkflowQueue Payments = new("payments") { WorkerConcurrency = 2, RateLimit = new QueueRateLimit(limit: 5, period: TimeSpan.FromSeconds(1)) };

    /// <summary>Set by --crash-after N: the process kills itself (SIGKILL) after N steps have been checkpointed.</summary>
    public static int? CrashAfterSteps { get; set; }

    [Workflow]
    public async Task<Receipt> PlaceOrder(Order order)
    {
        Console.WriteLine($"Workflow {DBOS.WorkflowId}: processing order {order.OrderId} ({order.Quantity} x {order.Item})");
        var reservation = await ReserveInventory(order);
        CrashIfAsked(1);
        var total = order.Quantity * order.UnitPrice;
        // A child workflow on the rate-limited queue; its ID is derived from this workflow's, so a recovered order waits for the
        // same charge instead of enqueuing another.
        var charge = await DBOS.EnqueueAsync(Payments, () => Charge(order.OrderId, total));
        var payment = await charge.GetResultAsync();
        CrashIfAsked(2);
        var tracking = await ShipOrder(order.OrderId, reservation);
        CrashIfAsked(3);
        SendConfirmation(order.OrderId, tracking);
        return new Receipt(order.OrderId, reservation, payment, tracking, total);
    }

    /// <summary>A transaction on the inventory database: the stock update, the reservation and this method's recorded
    /// result commit together, so the reservation is made exactly once even if the process dies right after it.</summary>
    [Transaction]
    private static async Task<string> ReserveInventory(Order order)
    {
        var db = DBOS.SqlSession<InventoryDb>();
        var stock = await db.Stock.SingleAsync(s => s.Item == order.Item);
        if (stock.Available < order.Quantity)
        {
            throw new InvalidOperationException($"Only {stock.Available} x {order.Item} in stock."); // rolls back
        }

        stock.Available -= order.Quantity;
        var reservation = new Reservation { Id = $"res-{order.OrderId}", OrderId = order.OrderId, Item = order.Item, Quantity = order.Quantity };
        db.Reservations.Add(reservation);
        Console.WriteLine($"  step 1: reserved {order.Quantity} x {order.Item} ({stock.Available} left) in a database transaction");
        return reservation.Id; // the runtime saves the changes and commits when the method returns
    }

    /// <summary>Runs on the payments queue, within its limits, in whichever process dequeues it.</summary>
    [Workflow]
    public Task<string> Charge(int orderId, decimal total) => ChargePayment(orderId, total);

    [Step(RetriesAllowed = true, MaxAttempts = 5, IntervalSeconds = 0.5)]
    private async Task<string> ChargePayment(int orderId, decimal total)
    {
        await Task.Delay(200);
        var payment = await payments.ChargeAsync(orderId, total);
        Console.WriteLine($"  step 2: charged {total:0.00} ({payment}) in workflow {DBOS.WorkflowId} on queue {Payments.Name}");
        return payment;
    }

    [Step]
    private static async Task<string> ShipOrder(int orderId, string reservation)
    {
        await Task.Delay(200);
        Console.WriteLine($"  step 3: shipped {reservation}");
        return $"track-{orderId}";
    }

    [Step]
    private static void SendConfirmation(int orderId, string tracking)
        => Console.WriteLine($"  step 4: emailed confirmation for order {orderId} (tracking {tracking})");

    private static void CrashIfAsked(int stepsDone)
    {
        if (CrashAfterSteps == stepsDone)
        {
            Console.WriteLine($"  -- crashing now (SIGKILL) after step {stepsDone}; run the sample again to resume --");
            Console.Out.Flush();
            Process.GetCurrentProcess().Kill();
        }
    }
}
