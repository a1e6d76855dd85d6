using System;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using Dbos;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Dbos.Samples.Orders;

/// <summary>
///   schedule [SECONDS] [--db PATH_OR_URL]   runs the app for SECONDS (default 12) so ScheduledReports.StockReport fires every 5 s,
///                                           then lists its runs; run it twice at once and each tick still runs once
/// </summary>
internal static class ScheduleCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var database = "orders.sqlite";
        var seconds = 12;
        for (var i = 1; i < args.Length; i++)
        {
            if (args[i] == "--db" && i + 1 < args.Length)
            {
                database = args[++i];
            }
            else if (!int.TryParse(args[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out seconds) || seconds < 1)
            {
                Console.Error.WriteLine("usage: schedule [SECONDS] [--db PATH_OR_URL]");
                return 2;
            }
        }

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddDbos(options =>
        {
            options.SystemDatabaseUrl = database;
            options.ShutdownTimeout = TimeSpan.FromSeconds(2);
        });
        using var host = builder.Build();
        await host.StartAsync();
        Console.WriteLine($"Running for {seconds} s: [Scheduled(\"*/5 * * * * *\")] StockReport fires every 5 seconds (system database: {database}).");
        await Task.Delay(TimeSpan.FromSeconds(seconds));

        var runs = await DBOS.ListWorkflowsAsync(new WorkflowFilter { Name = nameof(ScheduledReports.StockReport) });
        Console.WriteLine($"{runs.Count} runs of StockReport in the system database so far, one per tick:");
        foreach (var run in runs.OrderBy(r => r.WorkflowId, StringComparer.Ordinal).TakeLast(5))
        {
            Console.WriteLine($"  {run.WorkflowId}  {run.Status}");
        }

        await host.StopAsync();
        return 0;
    }
}
