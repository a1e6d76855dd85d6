using System;
using System.Linq;
using System.Threading.Tasks;
using Dbos.Tests.Context;
using Microsoft.Extensions.Logging;
using NUnit.Framework;

namespace Dbos.Tests;

/// <summary>Every checkpoint write is fenced by the workflow's owner and status: an execution that lost its workflow (to a
/// recovery elsewhere, or to a cancel) stops at its next durable operation and writes nothing more.</summary>
public sealed class OwnershipTests(string engine) : EngineTest(engine)
{
    private async Task<(CapturingLoggerProvider Logs, ILoggerFactory Factory)> StartGatedAsync(string workflowId, string gate)
    {
        var logs = new CapturingLoggerProvider();
        var factory = LoggerFactory.Create(b => b.AddProvider(logs));
        await LaunchAsync(o => o.LoggerFactory = factory);
        using (new SetWorkflowID(workflowId))
        {
            await DBOS.StartWorkflowAsync(() => BasicWorkflows.Gated(gate));
        }

        await EventuallyAsync(async () => await StepCountAsync(workflowId) >= 1, $"{workflowId} reached its gate");
        return (logs, factory);
    }

    private static Task StoppedAsync(CapturingLoggerProvider logs, string workflowId)
        => EventuallyAsync(() => Task.FromResult(logs.Entries.Any(e => e.Message.Contains($"Workflow {workflowId} ", StringComparison.Ordinal) && e.Message.Contains("stopped here", StringComparison.Ordinal))),
            $"{workflowId} stopped");

    [Test]
    public async Task An_execution_whose_workflow_was_claimed_elsewhere_stops_at_its_next_step()
    {
        var (logs, factory) = await StartGatedAsync("taken-over", "to");
        using (factory)
        {
            // As a recovery in another process would: a new owner token (of an instance that is not ours).
            await QueryAsync("UPDATE {s}workflow_status SET owner_xid = 'dn1:00000000000000aa:00000000000000bb' WHERE workflow_uuid = 'taken-over'");
            Probe.Open("to");
            await StoppedAsync(logs, "taken-over");

            Assert.That(await StepCountAsync("taken-over"), Is.EqualTo(1), "the gate step's checkpoint was refused");
            Assert.That(Probe.Count("to:second"), Is.Zero, "the step after it never ran");
            Assert.That(await StatusAsync("taken-over"), Is.EqualTo(WorkflowStatuses.Pending), "left to its new owner");
            Assert.That(logs.Entries.Select(e => e.Message), Has.Some.Contains("owned by another execution"));
        }
    }

    [Test]
    public async Task A_workflow_cancelled_while_it_runs_stops_at_its_next_step_and_its_handle_says_so()
    {
        var (logs, factory) = await StartGatedAsync("cancelled-midway", "cm");
        using (factory)
        {
            await QueryAsync("UPDATE {s}workflow_status SET status = 'CANCELLED' WHERE workflow_uuid = 'cancelled-midway'");
            Probe.Open("cm");
            await StoppedAsync(logs, "cancelled-midway");

            Assert.That(await StepCountAsync("cancelled-midway"), Is.EqualTo(1));
            Assert.That(Probe.Count("cm:second"), Is.Zero);
            Assert.That(await StatusAsync("cancelled-midway"), Is.EqualTo(WorkflowStatuses.Cancelled));
            var handle = await DBOS.RetrieveWorkflowAsync<string>("cancelled-midway");
            await Assert.ThrowsAsync<AwaitedWorkflowCancelledException>(() => handle.GetResultAsync());
        }
    }

    [Test]
    public async Task A_direct_call_whose_workflow_is_finished_elsewhere_returns_that_outcome()
    {
        await LaunchAsync();
        var call = Task.Run(async () =>
        {
            using (new SetWorkflowID("finished-elsewhere"))
            {
                return await BasicWorkflows.Gated("fe");
            }
        });
        await EventuallyAsync(async () => await StepCountAsync("finished-elsewhere") >= 1, "reached its gate");

        // Another execution finished it while this one waited at its gate.
        await QueryAsync("UPDATE {s}workflow_status SET status = 'SUCCESS', owner_xid = 'other' WHERE workflow_uuid = 'finished-elsewhere'");
        await QueryAsync("INSERT INTO {s}workflow_output (workflow_uuid, output) VALUES ('finished-elsewhere', '\"theirs\"')");
        Probe.Open("fe");
        Assert.That(await call, Is.EqualTo("theirs"));
        Assert.That(Probe.Count("fe:second"), Is.Zero);
        Assert.That(await StepCountAsync("finished-elsewhere"), Is.EqualTo(1));
    }
}
