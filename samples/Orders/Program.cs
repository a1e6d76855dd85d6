using System;
using System.Globalization;
using System.Threading.Tasks;
using Dbos;
using Dbos.Samples.Orders;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// Usage: dotnet run --project samples/Orders -- [--order N] [--crash-after STEPS] [--db PATH_OR_URL] [--inventory PATH]
//        dotnet run --project samples/Orders -- approval submit|decide|status REQUEST [approve|reject] [--db PATH_OR_URL]
//        dotnet run --project samples/Orders -- schedule [SECONDS] [--db PATH_OR_URL]
if (args.Length > 0 && args[0] == "approval")
{
    return await ApprovalCommand.RunAsync(args);
}

if (args.Length > 0 && args[0] == "schedule")
{
    return await ScheduleCommand.RunAsync(args);
}

var orderId = 1001;
string database = "orders.sqlite";
string inventory = "inventory.sqlite";
for (var i = 0; i < args.Length - 1; i++)
{
    switch (args[i])
    {
        case "--order": orderId = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--crash-after": OrderWorkflows.CrashAfterSteps = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--db": database = args[++i]; break;
        case "--inventory": inventory = args[++i]; break;
    }
}

var builder = Host.CreateApplicationBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddSingleton<IPaymentGateway, FakePaymentGateway>();
// The application database, where [Transaction] methods run: the app's own EF Core model, here in its own SQLite file.
builder.Services.AddDbContext<InventoryDb>(options => options.UseSqlite($"Data Source={inventory}"));
builder.Services.AddDbos(options =>
{
    options.SystemDatabaseUrl = database;
    options.UseApplicationDatabase<InventoryDb>();
    options.RunSchedules = false; // the order command exits at once; the "schedule" command runs the scheduled report
    options.AddQueue(OrderWorkflows.Payments);
});

using var host = builder.Build();
await using (var scope = host.Services.CreateAsyncScope())
{
    // The app creates its schema before DBOS starts (recovery may run a transaction at once).
    var db = scope.ServiceProvider.GetRequiredService<InventoryDb>();
    await db.Database.EnsureCreatedAsync();
    if (!await db.Stock.AnyAsync())
    {
        db.Stock.Add(new StockItem { Item = "widget", Available = 100 });
        await db.SaveChangesAsync();
    }
}

await host.StartAsync(); // migrates the system database and resumes workflows a crash left unfinished

var runtime = host.Services.GetRequiredService<DbosRuntime>();
var workflowId = $"order-{orderId}";
var status = await runtime.GetWorkflowStatusAsync(workflowId);
Console.WriteLine(status switch
{
    null => $"Starting workflow {workflowId} (system database: {database}).",
    { Status: WorkflowStatuses.Pending } => $"Workflow {workflowId} was interrupted and has been resumed (recovery attempt {status.RecoveryAttempts - 1}): " +
        "its body runs again, but the steps it had checkpointed return their recorded results instead of running.",
    _ => $"Workflow {workflowId} already finished ({status.Status}): calling it again returns the recorded result and runs no step. " +
        "Use --order N for a new order.",
});

var orders = host.Services.GetRequiredService<IOrderWorkflowsClient>();
Receipt receipt;
using (new SetWorkflowID(workflowId))
{
    receipt = await orders.PlaceOrderAsync(new Order(orderId, "widget", 3, 19.99m));
}

Console.WriteLine($"Order {receipt.OrderId} done: total {receipt.Total:0.00}, payment {receipt.PaymentId}, tracking {receipt.TrackingNumber}.");
await using (var scope = host.Services.CreateAsyncScope())
{
    var db = scope.ServiceProvider.GetRequiredService<InventoryDb>();
    var left = (await db.Stock.SingleAsync(s => s.Item == "widget")).Available;
    var reservations = await db.Reservations.CountAsync(r => r.OrderId == orderId);
    Console.WriteLine($"Inventory ({inventory}): {left} widgets left; order {orderId} has {reservations} reservation: the reservation transaction took effect once.");
}

await host.StopAsync();
return 0;
