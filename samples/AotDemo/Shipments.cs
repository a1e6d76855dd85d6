using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Serialization;
using System.Threading.Tasks;
using Dbos;

namespace Dbos.Samples.AotDemo;

public sealed record ShipmentRequest(int OrderId, string[] Items, string Destination);

public sealed record ShipmentStatus(string Stage, decimal Quote);

public sealed record ShipmentReceipt(int OrderId, decimal Quote, List<string> Parcels, string Approval, DateTimeOffset ShippedAt);

/// <summary>Deliberately left out of the JSON context: the app's third argument "--unregistered" shows the error it gives.</summary>
public sealed record ShipmentNote(string Text);

// Native AOT has no reflection-based JSON: the app's own types need metadata, and the DBOS generator registers this context
// (the argument, result and event types above; string, decimal, List<string>... are built in).
[JsonSerializable(typeof(ShipmentRequest))]
[JsonSerializable(typeof(ShipmentStatus))]
[JsonSerializable(typeof(ShipmentReceipt))]
internal sealed partial class AotDemoJsonContext : JsonSerializerContext;

public partial class Shipments
{
    public static readonly WorkflowQueue Packing = new("packing") { WorkerConcurrency = 2 };

    [Workflow]
    public static async Task<ShipmentReceipt> Ship(ShipmentRequest request)
    {
        var quote = await Quote(request);
        await DBOS.SetEventAsync("status", new ShipmentStatus("quoted", quote));

        // A child workflow on a queue, as a worker process would run it.
        var packing = await DBOS.EnqueueAsync(Packing, () => Pack(request.OrderId, request.Items));
        var parcels = await packing.GetResultAsync();
        await DBOS.SetEventAsync("status", new ShipmentStatus("packed", quote));

        var approval = await DBOS.RecvAsync<string>("approval", TimeSpan.FromMinutes(1)) ?? "timed out";
        var shippedAt = await Now();
        await DBOS.SetEventAsync("status", new ShipmentStatus("shipped", quote));
        return new ShipmentReceipt(request.OrderId, quote, parcels, approval, shippedAt);
    }

    [Workflow]
    public static async Task<List<string>> Pack(int orderId, string[] items)
    {
        var parcels = new List<string>();
        foreach (var item in items)
        {
            parcels.Add(await Label(orderId, item));
        }

        return parcels;
    }

    [Step]
    private static Task<decimal> Quote(ShipmentRequest request) => Task.FromResult(4.5m + request.Items.Length * 1.25m);

    [Step]
    private static Task<string> Label(int orderId, string item) => Task.FromResult($"{orderId}-{item.ToUpperInvariant()}");

    [Step]
    private static Task<DateTimeOffset> Now() => Task.FromResult(DateTimeOffset.UtcNow);

    [Workflow]
    public static async Task<string> Annotate(string text)
    {
#pragma warning disable DBOS021 // deliberately: ShipmentNote has no JSON metadata, and a Native AOT build fails here at run time
        await DBOS.SetEventAsync("note", new ShipmentNote(text));
#pragma warning restore DBOS021
        return text;
    }

    public static string Summary(ShipmentReceipt receipt)
        => $"order {receipt.OrderId}: quote {receipt.Quote}, parcels {string.Join(",", receipt.Parcels.Select(p => p))}, {receipt.Approval}";
}
