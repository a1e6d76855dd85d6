// A workflow app compiled ahead of time: dotnet publish samples/AotDemo -c Release -r linux-x64 (docs/aot.md).
//   Dbos.Samples.AotDemo [system database URL or SQLite file] [workflow ID] [--unregistered]
// Runs a shipment workflow (steps, a queued child workflow, events, a message) and prints its receipt, then how long the
// process took from its start to the finished workflow. Run it again with the same ID: the recorded result comes back.
using System;
using System.Diagnostics;
using Dbos;
using Dbos.Samples.AotDemo;

var database = args.Length > 0 ? args[0] : "aot_demo.sqlite";
var workflowId = args.Length > 1 ? args[1] : "shipment-1";

var options = new DbosOptions { SystemDatabaseUrl = database, ApplicationVersion = "aot-demo" };
options.AddQueue(Shipments.Packing);
await using var dbos = await DbosRuntime.LaunchAsync(options);

if (args.Length > 2 && args[2] == "--unregistered")
{
    // A value of a type outside every JSON context: under Native AOT the event cannot be stored, and the error says why.
    try
    {
        using (new SetWorkflowID(workflowId))
        {
            await Shipments.Annotate("fragile");
        }

        Console.WriteLine("stored the note");
    }
    catch (DbosSerializationException e)
    {
        Console.WriteLine("not stored: " + e.Message);
    }

    return;
}

WorkflowHandle<ShipmentReceipt> handle;
using (new SetWorkflowID(workflowId))
{
    handle = await DBOS.StartWorkflowAsync(() => Shipments.Ship(new ShipmentRequest(7, ["book", "lamp"], "Lyon")));
}

await DBOS.SendAsync(workflowId, "approved", "approval", idempotencyKey: workflowId + "-approval");
var receipt = await handle.GetResultAsync();
var status = await DBOS.GetEventAsync<ShipmentStatus>(workflowId, "status", TimeSpan.FromSeconds(5));
var sinceStart = DateTime.Now - Process.GetCurrentProcess().StartTime;

Console.WriteLine(Shipments.Summary(receipt));
Console.WriteLine($"status: {status?.Stage}");
Console.WriteLine($"first workflow done {sinceStart.TotalMilliseconds:F0} ms after the process started");
