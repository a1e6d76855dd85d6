using System;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace Dbos.Samples.WebApi;

/// <summary>
/// An order workflow started from an HTTP request. Only customers (or admins) may place orders: the first of the required
/// roles the caller has becomes <see cref="DBOS.AssumedRole"/>. The workflow sees the user and the request that started it,
/// also if it is recovered after a crash, and publishes its progress as the event "status".
/// </summary>
public static partial class OrderWorkflows
{
    [Workflow]
    [RequiredRoles("customer", "admin")]
    public static async Task<string> PlaceOrder(int orderId)
    {
        DBOS.Logger.LogInformation("Order {OrderId} placed by {User} as {Role} ({Method} {Url})",
            orderId, DBOS.AuthenticatedUser, DBOS.AssumedRole, DBOS.Request.Method, DBOS.Request.Url);
        await DBOS.SetEventAsync("status", "received");
        var reservation = await Reserve(orderId);
        await DBOS.SetEventAsync("status", "reserved");
        await Charge(orderId);
        await DBOS.SetEventAsync("status", "paid");
        return $"order {orderId} for {DBOS.AuthenticatedUser}: {reservation}, paid";
    }

    [Step]
    private static Task<string> Reserve(int orderId)
    {
        DBOS.Span?.SetTag("order.id", orderId);
        return Task.FromResult($"reservation R-{orderId}");
    }

    [Step]
    private static async Task Charge(int orderId)
    {
        await Task.Delay(TimeSpan.FromMilliseconds(50));
        DBOS.Logger.LogInformation("Charged order {OrderId}", orderId);
    }
}
