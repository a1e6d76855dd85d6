using System;
using System.Linq;
using Dbos;
using OutsideApp;

// dotnet App.dll <system database> [--crash-after-pack]: runs workflow shipment-7; with the flag the process kills
// itself after the first step, and the next run resumes the workflow.
Shipping.CrashAfterPacking = args.Contains("--crash-after-pack");
await using var dbos = await DbosRuntime.LaunchAsync(new DbosOptions { SystemDatabaseUrl = args[0] });
using (new SetWorkflowID("shipment-7"))
{
    Console.WriteLine("result: " + await new Shipping().Ship(7));
}
