using System;
using System.Threading.Tasks;
using Dbos;

namespace Dbos.Samples.Orders;

/// <summary>An expense approval: publishes its state with SetEvent, waits for a decision with Recv (and a timeout),
/// then sleeps durably through a cooling-off period. Each command-line run resumes it where the last one stopped.</summary>
public partial class ApprovalWorkflows
{
    public static TimeSpan CoolingOff { get; set; } = TimeSpan.FromSeconds(3);

    [Workflow]
    public async Task<string> ApproveExpense(int requestId, decimal amount)
    {
        await DBOS.SetEventAsync("state", $"request {requestId} for {amount:0.00}: waiting for a decision");
        var decision = await DBOS.RecvAsync<string>("decision", TimeSpan.FromMinutes(10));
        if (decision is null)
        {
            await DBOS.SetEventAsync("state", "expired: no decision within 10 minutes");
            return "expired";
        }

        await DBOS.SetEventAsync("state", $"{decision}d; cooling off for {CoolingOff.TotalSeconds:0} s before it takes effect");
        await DBOS.SleepAsync(CoolingOff); // durable: a restart sleeps only the remainder
        RecordDecision(requestId, decision);
        var final = decision == "approve" ? "approved" : "rejected";
        await DBOS.SetEventAsync("state", final);
        return final;
    }

    [Step]
    private static void RecordDecision(int requestId, string decision)
        => Console.WriteLine($"  step: recorded '{decision}' for request {requestId} in the ledger");
}
