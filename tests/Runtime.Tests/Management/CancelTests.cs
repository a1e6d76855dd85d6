using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Dbos.Tests.Context;
using Microsoft.Extensions.Logging;
using NUnit.Framework;

namespace Dbos.Tests.Management;

/// <summary>Cancelling: the row DBOS writes, the execution stopping wherever it waits, handles ending, children.</summary>
public sealed class CancelTests(string engine) : ManagementTest(engine)
{
    private CapturingLoggerProvider _logs = new();

    private async Task<DbosRuntime> LaunchLoggedAsync()
    {
        _logs = new CapturingLoggerProvider();
        var factory = LoggerFactory.Create(b => b.AddProvider(_logs));
        return await LaunchAsync(o => o.LoggerFactory = factory);
    }

    private Task StoppedAsync(string workflowId)
        => EventuallyAsync(() => Task.FromResult(_logs.Entries.Any(e => e.Message.Contains($"Workflow {workflowId} ", StringComparison.Ordinal) && e.Message.Contains("stopped here", StringComparison.Ordinal))),
            $"the execution of {workflowId} stopped");

    private static async Task<WorkflowHandle<string>> StartAsync(string workflowId, Func<Task<string>> call)
    {
        using (new SetWorkflowID(workflowId))
        {
            return await DBOS.StartWorkflowAsync(call);
        }
    }

    private async Task AssertCancelledRowAsync(string workflowId)
    {
        var row = await ExistingRowAsync(workflowId);
        Assert.Multiple(() =>
        {
            Assert.That(row["status"], Is.EqualTo(WorkflowStatuses.Cancelled));
            Assert.That(row["queue_name"], Is.Null, "removed from its queue");
            Assert.That(row["deduplication_id"], Is.Null);
            Assert.That(row["started_at_epoch_ms"], Is.Null);
            Assert.That(row["owner_xid"], Is.Null, "no execution owns it any more");
            Assert.That(row["completed_at"], Is.Not.Null);
        });
    }

    [Test]
    public async Task A_workflow_cancelled_in_a_step_ends_its_handle_at_once_and_its_step_records_nothing()
    {
        await LaunchLoggedAsync();
        var handle = await StartAsync("cancel-in-step", () => BasicWorkflows.Gated("cs"));
        await EventuallyAsync(async () => await StepCountAsync("cancel-in-step") >= 1, "the workflow reached its gate");

        await DBOS.CancelWorkflowAsync("cancel-in-step");

        // The step is still blocked at its gate: the handle ends because the workflow is cancelled, not because it finished.
        await Assert.ThrowsAsync<AwaitedWorkflowCancelledException>(() => handle.GetResultAsync().WaitAsync(Bound));
        await AssertCancelledRowAsync("cancel-in-step");
        Probe.Open("cs");
        await StoppedAsync("cancel-in-step");
        Assert.That(await StepCountAsync("cancel-in-step"), Is.EqualTo(1), "the gate step's checkpoint was refused");
        Assert.That(Probe.Count("cs:second"), Is.Zero, "the step after it never ran");
        Assert.That(await StatusAsync("cancel-in-step"), Is.EqualTo(WorkflowStatuses.Cancelled), "the outcome is not overwritten");
    }

    [Test]
    public async Task A_workflow_cancelled_in_recv_stops_waiting_and_consumes_no_message()
    {
        await LaunchLoggedAsync();
        var handle = await StartAsync("cancel-in-recv", () => ManagementWorkflows.WaitsForMessage("cr"));
        await EventuallyAsync(async () => await StepCountAsync("cancel-in-recv") >= 2, "the workflow waits in Recv"); // Mark, and the receive's timeout row

        await DBOS.CancelWorkflowAsync("cancel-in-recv");
        await Assert.ThrowsAsync<AwaitedWorkflowCancelledException>(() => handle.GetResultAsync().WaitAsync(Bound));
        await StoppedAsync("cancel-in-recv");

        await DBOS.SendAsync("cancel-in-recv", "too late", "topic");
        Assert.That(await CountAsync("SELECT COUNT(*) FROM {s}notifications WHERE destination_uuid = 'cancel-in-recv' AND consumed = @p1", IsPostgres ? false : 0), Is.EqualTo(1),
            "the message stays unconsumed");
        Assert.That(Probe.Count("cr:after"), Is.Zero);
        await AssertCancelledRowAsync("cancel-in-recv");
    }

    [Test]
    public async Task A_workflow_cancelled_in_sleep_stops_sleeping()
    {
        await LaunchLoggedAsync();
        var handle = await StartAsync("cancel-in-sleep", () => ManagementWorkflows.SleepsLong("csl"));
        await EventuallyAsync(async () => await StepCountAsync("cancel-in-sleep") >= 2, "the workflow sleeps");

        await DBOS.CancelWorkflowAsync("cancel-in-sleep");
        await Assert.ThrowsAsync<AwaitedWorkflowCancelledException>(() => handle.GetResultAsync().WaitAsync(Bound));
        await StoppedAsync("cancel-in-sleep");
        Assert.That(Probe.Count("csl:after"), Is.Zero);
        Assert.That(await StepCountAsync("cancel-in-sleep"), Is.EqualTo(2));
    }

    [Test]
    public async Task A_workflow_cancelled_in_get_event_stops_waiting()
    {
        await LaunchLoggedAsync();
        var handle = await StartAsync("cancel-in-get-event", () => ManagementWorkflows.WaitsForEvent("cge"));
        await EventuallyAsync(async () => await StepCountAsync("cancel-in-get-event") >= 2, "the workflow waits in GetEvent");

        await DBOS.CancelWorkflowAsync("cancel-in-get-event");
        await Assert.ThrowsAsync<AwaitedWorkflowCancelledException>(() => handle.GetResultAsync().WaitAsync(Bound));
        await StoppedAsync("cancel-in-get-event");
        Assert.That(Probe.Count("cge:after"), Is.Zero);
    }

    [Test]
    public async Task A_cancel_by_another_process_reaches_a_waiting_workflow()
    {
        await LaunchLoggedAsync();
        var handle = await StartAsync("cancelled-elsewhere", () => ManagementWorkflows.WaitsForMessage("ce"));
        await EventuallyAsync(async () => await StepCountAsync("cancelled-elsewhere") >= 2, "the workflow waits in Recv");

        // As DBOS TypeScript's cancelWorkflow (or its CLI) writes it, from another process: no signal reaches this one.
        await QueryAsync("UPDATE {s}workflow_status SET status = 'CANCELLED', owner_xid = NULL, queue_name = NULL, deduplication_id = NULL, started_at_epoch_ms = NULL WHERE workflow_uuid = 'cancelled-elsewhere'");

        await Assert.ThrowsAsync<AwaitedWorkflowCancelledException>(() => handle.GetResultAsync().WaitAsync(Bound));
        await StoppedAsync("cancelled-elsewhere");
        await DBOS.SendAsync("cancelled-elsewhere", "too late", "topic");
        Assert.That(await CountAsync("SELECT COUNT(*) FROM {s}notifications WHERE destination_uuid = 'cancelled-elsewhere' AND consumed = @p1", IsPostgres ? false : 0), Is.EqualTo(1));
        Assert.That(Probe.Count("ce:after"), Is.Zero);
    }

    [Test]
    public async Task Cancelling_with_children_cancels_the_whole_tree_and_without_leaves_the_children()
    {
        await LaunchLoggedAsync();
        var tree = await StartAsync("tree", () => ManagementWorkflows.ParentOfTwo("tree"));
        var lone = await StartAsync("lone", () => ManagementWorkflows.ParentOfTwo("lone"));
        foreach (var id in new[] { "tree-0", "tree-1", "lone-0", "lone-1" })
        {
            await EventuallyAsync(async () => await StepCountAsync(id) >= 2, $"child {id} waits in Recv");
        }

        await DBOS.CancelWorkflowAsync("tree", cancelChildren: true);
        await DBOS.CancelWorkflowAsync("lone");

        await Assert.ThrowsAsync<AwaitedWorkflowCancelledException>(() => tree.GetResultAsync().WaitAsync(Bound));
        await Assert.ThrowsAsync<AwaitedWorkflowCancelledException>(() => lone.GetResultAsync().WaitAsync(Bound));
        foreach (var id in new[] { "tree", "tree-0", "tree-1" })
        {
            await AssertCancelledRowAsync(id);
        }

        Assert.That(await StatusAsync("lone"), Is.EqualTo(WorkflowStatuses.Cancelled));
        Assert.That(await StatusAsync("lone-0"), Is.EqualTo(WorkflowStatuses.Pending), "children are cancelled only when asked");
        Assert.That(await StatusAsync("lone-1"), Is.EqualTo(WorkflowStatuses.Pending));

        // The children of the uncancelled tree still run: a message finishes one.
        await DBOS.SendAsync("lone-0", "hello", "topic");
        Assert.That(await (await DBOS.RetrieveWorkflowAsync<string>("lone-0")).GetResultAsync().WaitAsync(Bound), Is.EqualTo("hello"));
    }

    [Test]
    public async Task Cancelling_a_finished_workflow_changes_nothing_and_an_unknown_id_is_an_error()
    {
        await LaunchAsync();
        using (new SetWorkflowID("finished"))
        {
            await BasicWorkflows.ThreeSteps(1);
        }

        var before = await ExistingRowAsync("finished");
        await DBOS.CancelWorkflowAsync("finished");
        var after = await ExistingRowAsync("finished");
        Assert.That(after["status"], Is.EqualTo(WorkflowStatuses.Success));
        Assert.That(after["updated_at"], Is.EqualTo(before["updated_at"]));
        Assert.That(await (await DBOS.RetrieveWorkflowAsync<string>("finished")).GetResultAsync(), Is.EqualTo("r4"));

        var e = await Assert.ThrowsAsync<NonExistentWorkflowException>(() => DBOS.CancelWorkflowAsync("no-such-workflow"));
        Assert.That(e!.WorkflowId, Is.EqualTo("no-such-workflow"));
    }

    [Test]
    public async Task A_handle_waits_through_pending_and_honours_its_cancellation_token()
    {
        await LaunchAsync();
        var handle = await StartAsync("awaited", () => BasicWorkflows.Gated("aw"));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        Assert.That(async () => await handle.GetResultAsync(cts.Token), Throws.InstanceOf<OperationCanceledException>());

        // Another process dead-letters it: a handle ends with that outcome.
        var elsewhere = await DBOS.RetrieveWorkflowAsync<string>("awaited");
        await QueryAsync("UPDATE {s}workflow_status SET status = 'MAX_RECOVERY_ATTEMPTS_EXCEEDED', owner_xid = NULL WHERE workflow_uuid = 'awaited'");
        await Assert.ThrowsAsync<AwaitedWorkflowMaxRecoveryAttemptsExceededException>(() => elsewhere.GetResultAsync().WaitAsync(Bound));
        Probe.Open("aw");
    }
}
