using System;
using System.Threading.Tasks;

namespace Dbos.Samples.WebApi;

/// <summary>
/// A refund that waits for a person: it is enqueued on the rate-limited "refunds" queue, publishes "awaiting approval" and waits
/// (durably, up to a day) for a "decision" message. While it waits, the dashboard shows it PENDING with its event, and an operator
/// can cancel it, resume it or fork it there.
/// </summary>
public static partial class RefundWorkflows
{
    public static readonly WorkflowQueue Queue = new("refunds") { Concurrency = 10, RateLimit = new QueueRateLimit(50, TimeSpan.FromMinutes(1)) };

    [Workflow]
    [RequiredRoles("customer", "admin")]
    public static async Task<string> Refund(int orderId, decimal amount)
    {
        var reference = await Prepare(orderId, amount);
        await DBOS.SetEventAsync("status", "awaiting approval");
        var decision = await DBOS.RecvAsync<string>("decision", TimeSpan.FromDays(1));
        var outcome = decision == "approve" ? $"refunded {amount:0.00} for order {orderId} ({reference})" : $"refund of order {orderId} {decision ?? "timed out"}";
        await DBOS.SetEventAsync("status", outcome);
        return outcome;
    }

    [Step]
    private static Task<string> Prepare(int orderId, decimal amount) => Task.FromResult($"RF-{orderId}-{amount:0}");
}
