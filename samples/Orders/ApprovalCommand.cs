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
/// The approval flow from the command line; every run is a new process on the same system database:
///   approval submit 7          starts workflow approval-7, which publishes its state and waits for a decision
///   approval status 7          reads the published state (GetEvent)
///   approval decide 7 approve  sends the decision (Send); this process resumes the waiting workflow and finishes it
/// </summary>
internal static class ApprovalCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var database = "orders.sqlite";
        var dbIndex = Array.IndexOf(args, "--db");
        if (dbIndex >= 0 && dbIndex + 1 < args.Length)
        {
            database = args[dbIndex + 1];
        }

        var positional = dbIndex < 0 ? args : args.Where((_, i) => i != dbIndex && i != dbIndex + 1).ToArray();
        if (positional.Length < 3 || !int.TryParse(positional[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out var requestId))
        {
            Console.Error.WriteLine("usage: approval submit|status|decide REQUEST [approve|reject] [--db PATH_OR_URL]");
            return 2;
        }

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddDbos(options =>
        {
            options.SystemDatabaseUrl = database;
            options.ShutdownTimeout = TimeSpan.FromSeconds(1); // a workflow waiting for a decision stays PENDING; the next run resumes it
            options.RunSchedules = false; // the "schedule" command runs the scheduled report
        });
        using var host = builder.Build();
        await host.StartAsync(); // resumes approval workflows left waiting by earlier runs

        var workflowId = $"approval-{requestId}";
        switch (positional[1])
        {
            case "submit":
            {
                var approvals = host.Services.GetRequiredService<IApprovalWorkflowsClient>();
                using (new SetWorkflowID(workflowId))
                {
                    await approvals.StartApproveExpenseAsync(requestId, 120m);
                }

                Console.WriteLine($"Submitted {workflowId}. State: {await DBOS.GetEventAsync<string>(workflowId, "state", TimeSpan.FromSeconds(10))}");
                Console.WriteLine($"Decide with: dotnet run --project samples/Orders -- approval decide {requestId} approve");
                break;
            }

            case "status":
                Console.WriteLine($"{workflowId}: {await DBOS.GetEventAsync<string>(workflowId, "state", TimeSpan.Zero) ?? "no such request"}");
                break;

            case "decide":
            {
                var decision = positional.Length > 3 ? positional[3] : "approve";
                if (decision is not ("approve" or "reject"))
                {
                    Console.Error.WriteLine("the decision is 'approve' or 'reject'");
                    return 2;
                }

                await DBOS.SendAsync(workflowId, decision, "decision", idempotencyKey: $"decision-{requestId}");
                Console.WriteLine($"Sent '{decision}' to {workflowId}; it resumes here and cools off durably...");
                var handle = await DBOS.RetrieveWorkflowAsync<string>(workflowId);
                Console.WriteLine($"{workflowId} finished: {await handle.GetResultAsync()} (state: {await DBOS.GetEventAsync<string>(workflowId, "state")})");
                break;
            }

            default:
                Console.Error.WriteLine($"unknown approval command '{positional[1]}'");
                return 2;
        }

        await host.StopAsync();
        return 0;
    }
}
