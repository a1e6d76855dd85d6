using System;
using System.Threading.Tasks;
using NUnit.Framework;

namespace Dbos.Tests.Management;

/// <summary>Start-to-close timeouts: the deadline recorded at start, inherited by children, enforced while the workflow runs
/// and after a crash.</summary>
public sealed class TimeoutTests(string engine) : ManagementTest(engine)
{
    [Test]
    public async Task A_workflow_past_its_timeout_is_cancelled_where_it_waits()
    {
        await LaunchAsync();
        WorkflowHandle<string> handle;
        using (new SetWorkflowTimeout(TimeSpan.FromMilliseconds(300)))
        using (new SetWorkflowID("timed"))
        {
            handle = await DBOS.StartWorkflowAsync(() => ManagementWorkflows.SleepsLong("tm"));
        }

        await Assert.ThrowsAsync<AwaitedWorkflowCancelledException>(() => handle.GetResultAsync().WaitAsync(Bound));
        var row = await ExistingRowAsync("timed");
        Assert.That(row["status"], Is.EqualTo(WorkflowStatuses.Cancelled));
        Assert.That(Long(row["workflow_timeout_ms"]), Is.EqualTo(300));
        Assert.That(Long(row["workflow_deadline_epoch_ms"]), Is.EqualTo(Long(row["created_at"]) + 300), "start-to-close: the deadline counts from the start");
        Assert.That(Probe.Count("tm:after"), Is.Zero);
        Assert.That(Probe.Count("tm:before"), Is.EqualTo(1));
    }

    [Test]
    public async Task A_timeout_in_the_start_options_wins_over_a_scope_and_a_queued_one_counts_from_its_dequeue()
    {
        var queue = new WorkflowQueue("timed-queue");
        await LaunchAsync(o => o.AddQueue(queue));
        WorkflowHandle<string> started;
        using (new SetWorkflowTimeout(TimeSpan.FromHours(1)))
        {
            started = await DBOS.StartWorkflowAsync(() => ManagementWorkflows.SleepsLong("opt"), new WorkflowOptions { Timeout = TimeSpan.FromMilliseconds(300) });
        }

        var queued = await DBOS.EnqueueAsync(queue, () => ManagementWorkflows.SleepsLong("queued"), new WorkflowOptions { Timeout = TimeSpan.FromMilliseconds(300) });
        await Assert.ThrowsAsync<AwaitedWorkflowCancelledException>(() => started.GetResultAsync().WaitAsync(Bound));
        await Assert.ThrowsAsync<AwaitedWorkflowCancelledException>(() => queued.GetResultAsync().WaitAsync(Bound));
        Assert.That(Long((await ExistingRowAsync(started.WorkflowId))["workflow_timeout_ms"]), Is.EqualTo(300));
        var row = await ExistingRowAsync(queued.WorkflowId);
        Assert.That(Long(row["workflow_deadline_epoch_ms"]), Is.GreaterThanOrEqualTo(Long(row["created_at"])!.Value + 300), "the deadline was set at its dequeue");
        Assert.That(Probe.Count("queued:before"), Is.EqualTo(1), "it ran until its deadline");
    }

    [Test]
    public async Task Children_inherit_the_deadline_unless_they_set_their_own_or_none()
    {
        await LaunchAsync();
        using (new SetWorkflowTimeout(TimeSpan.FromHours(1)))
        {
            using (new SetWorkflowID("inherits"))
            {
                await ManagementWorkflows.StartsChild("a", null);
            }

            using (new SetWorkflowID("own"))
            {
                await ManagementWorkflows.StartsChild("b", 30);
            }

            using (new SetWorkflowID("none"))
            {
                await ManagementWorkflows.StartsChild("c", 0);
            }
        }

        using (new SetWorkflowID("outside"))
        {
            await ManagementWorkflows.Quick("d");
        }

        var parent = await ExistingRowAsync("inherits");
        var inherited = await ExistingRowAsync("inherits-0");
        Assert.That(Long(parent["workflow_timeout_ms"]), Is.EqualTo(3_600_000));
        Assert.That(inherited["workflow_deadline_epoch_ms"], Is.Not.Null.And.EqualTo(parent["workflow_deadline_epoch_ms"]), "the parent's deadline, not a new one");

        var own = await ExistingRowAsync("own-0");
        Assert.That(Long(own["workflow_timeout_ms"]), Is.EqualTo(30_000));
        Assert.That(Long(own["workflow_deadline_epoch_ms"]), Is.EqualTo(Long(own["created_at"]) + 30_000));

        var none = await ExistingRowAsync("none-0");
        Assert.That(none["workflow_timeout_ms"], Is.Null);
        Assert.That(none["workflow_deadline_epoch_ms"], Is.Null);

        var outside = await ExistingRowAsync("outside");
        Assert.That(outside["workflow_deadline_epoch_ms"], Is.Null, "the scope ended");
        Assert.That(await StatusAsync("inherits-0"), Is.EqualTo(WorkflowStatuses.Success));
    }

    [Test]
    public async Task A_workflow_that_finished_in_time_keeps_its_result_after_the_deadline()
    {
        var runtime = await LaunchAsync();
        using (new SetWorkflowTimeout(TimeSpan.FromMilliseconds(200)))
        using (new SetWorkflowID("in-time"))
        {
            Assert.That(await ManagementWorkflows.Quick("x"), Is.EqualTo("quick x"));
        }

        var deadline = Long((await ExistingRowAsync("in-time"))["workflow_deadline_epoch_ms"])!.Value;
        await EventuallyAsync(() => Task.FromResult(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() > deadline + 50), "the deadline passed");
        await runtime.SuperviseOnceAsync(default); // the timeout sweep
        Assert.That(await StatusAsync("in-time"), Is.EqualTo(WorkflowStatuses.Success));
        Assert.That(await (await DBOS.RetrieveWorkflowAsync<string>("in-time")).GetResultAsync(), Is.EqualTo("quick x"));
    }

    [Test]
    public async Task A_workflow_whose_deadline_passed_while_its_process_was_down_is_cancelled_not_recovered()
    {
        var first = await LaunchAsync();
        using (new SetWorkflowTimeout(TimeSpan.FromHours(1)))
        using (new SetWorkflowID("crashed"))
        {
            await DBOS.StartWorkflowAsync(() => TimeoutWorkflows.GatedThenMark("tc"));
        }

        await EventuallyAsync(async () => await StepCountAsync("crashed") >= 1, "the workflow reached its gate");
        await first.ShutdownAsync(); // the workflow stays PENDING, as after a crash
        Probe.Open("tc"); // the old execution cannot write any more: its runtime is gone

        // The hour passed while no process ran it.
        await QueryAsync("UPDATE {s}workflow_status SET workflow_deadline_epoch_ms = @p1 WHERE workflow_uuid = 'crashed'", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 1000);
        var second = await LaunchAsync();
        await EventuallyAsync(async () => await StatusAsync("crashed") == WorkflowStatuses.Cancelled, "the recovered workflow was cancelled");

        var handle = await second.RetrieveWorkflowAsync<string>("crashed");
        await Assert.ThrowsAsync<AwaitedWorkflowCancelledException>(() => handle.GetResultAsync().WaitAsync(Bound));
        Assert.That(Probe.Count("tc:before"), Is.EqualTo(1), "not re-run");
        Assert.That(Probe.Count("tc:after"), Is.Zero, "not resumed");
        Assert.That(await StepCountAsync("crashed"), Is.EqualTo(1));
    }
}
