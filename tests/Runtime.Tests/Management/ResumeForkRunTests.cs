using System;
using System.Linq;
using System.Threading.Tasks;
using NUnit.Framework;

namespace Dbos.Tests.Management;

/// <summary>Resumed and forked workflows run (on the internal queue every runtime serves) from their checkpoints, and their
/// handles complete; cancelling a queued workflow takes it off its queue.</summary>
public sealed class ResumeForkRunTests(string engine) : ManagementTest(engine)
{
    [Test]
    public async Task A_workflow_resumed_after_a_cancel_runs_the_rest_from_its_checkpoints()
    {
        await LaunchAsync();
        WorkflowHandle<string> handle;
        using (new SetWorkflowID("resume-recv"))
        {
            handle = await DBOS.StartWorkflowAsync(() => ManagementWorkflows.WaitsForMessage("rr"));
        }

        await EventuallyAsync(async () => await StepCountAsync("resume-recv") >= 2, "the workflow waits in Recv");
        await DBOS.CancelWorkflowAsync("resume-recv");
        await Assert.ThrowsAsync<AwaitedWorkflowCancelledException>(() => handle.GetResultAsync().WaitAsync(Bound));

        var resumed = await DBOS.ResumeWorkflowAsync<string>("resume-recv");
        await DBOS.SendAsync("resume-recv", "welcome back", "topic");
        Assert.That(await resumed.GetResultAsync().WaitAsync(Bound), Is.EqualTo("welcome back"));
        Assert.That(Probe.Count("rr:before"), Is.EqualTo(1), "the step before the cancel replayed its checkpoint");
        Assert.That(Probe.Count("rr:after"), Is.EqualTo(1));
        var row = await ExistingRowAsync("resume-recv");
        Assert.That(row["status"], Is.EqualTo(WorkflowStatuses.Success));
        Assert.That(row["queue_name"], Is.EqualTo("_dbos_internal_queue"));
        Assert.That(Long(row["recovery_attempts"]), Is.EqualTo(1), "reset by the resume, counted once by its dequeue");
    }

    [Test]
    public async Task A_workflow_resumed_while_its_cancelled_execution_is_still_in_a_step_runs_once_that_step_ends()
    {
        await LaunchAsync();
        using (new SetWorkflowID("resume-gated"))
        {
            await DBOS.StartWorkflowAsync(() => BasicWorkflows.Gated("rg"));
        }

        await EventuallyAsync(async () => await StepCountAsync("resume-gated") >= 1, "the workflow reached its gate");
        await DBOS.CancelWorkflowAsync("resume-gated");
        var resumed = await DBOS.ResumeWorkflowAsync<string>("resume-gated");
        Probe.Open("rg"); // the old execution's gate step ends; its checkpoint is refused and the resumed one runs

        Assert.That(await resumed.GetResultAsync().WaitAsync(Bound), Is.EqualTo("first,second"));
        Assert.That(Probe.Count("rg:first"), Is.EqualTo(1));
        Assert.That(Probe.Count("rg:second"), Is.EqualTo(1), "the rest ran once");
        Assert.That(await StepCountAsync("resume-gated"), Is.EqualTo(3));
    }

    [Test]
    public async Task A_dead_lettered_workflow_resumed_runs_again()
    {
        var first = await LaunchAsync();
        using (new SetWorkflowID("dead-lettered"))
        {
            await DBOS.StartWorkflowAsync(() => TimeoutWorkflows.GatedThenMark("dl"));
        }

        await EventuallyAsync(async () => await StepCountAsync("dead-lettered") >= 1, "the workflow reached its gate");
        await first.ShutdownAsync();
        Probe.Open("dl");

        // As recovery leaves a workflow that crashed too often.
        await QueryAsync("UPDATE {s}workflow_status SET status = 'MAX_RECOVERY_ATTEMPTS_EXCEEDED', recovery_attempts = 51, owner_xid = NULL, completed_at = updated_at WHERE workflow_uuid = 'dead-lettered'");
        await LaunchAsync();
        var dead = await DBOS.RetrieveWorkflowAsync<string>("dead-lettered");
        await Assert.ThrowsAsync<AwaitedWorkflowMaxRecoveryAttemptsExceededException>(() => dead.GetResultAsync().WaitAsync(Bound));

        var resumed = await DBOS.ResumeWorkflowAsync<string>("dead-lettered");
        Assert.That(await resumed.GetResultAsync().WaitAsync(Bound), Is.EqualTo("finished"));
        Assert.That(Probe.Count("dl:before"), Is.EqualTo(1));
        Assert.That(Probe.Count("dl:after"), Is.EqualTo(1));
    }

    [Test]
    public async Task Forks_from_zero_the_middle_and_past_the_last_step_replay_what_they_copied_and_run_the_rest()
    {
        await LaunchAsync();
        using (new SetWorkflowID("forked-source"))
        {
            Assert.That(await ManagementWorkflows.FiveSteps("fs"), Is.EqualTo("fs:step0:step1:step2:step3:step4"));
        }

        int[] Counts() => Enumerable.Range(0, 5).Select(i => Probe.Count("fs:step" + i)).ToArray();
        Assert.That(Counts(), Is.EqualTo(new[] { 1, 1, 1, 1, 1 }));

        var fromZero = await DBOS.ForkWorkflowAsync<string>("forked-source", 0);
        Assert.That(await fromZero.GetResultAsync().WaitAsync(Bound), Is.EqualTo("fs:step0:step1:step2:step3:step4"));
        Assert.That(Counts(), Is.EqualTo(new[] { 2, 2, 2, 2, 2 }), "from 0 everything runs again");

        var fromMiddle = await DBOS.ForkWorkflowAsync<string>("forked-source", 3);
        Assert.That(await fromMiddle.GetResultAsync().WaitAsync(Bound), Is.EqualTo("fs:step0:step1:step2:step3:step4"));
        Assert.That(Counts(), Is.EqualTo(new[] { 2, 2, 2, 3, 3 }), "steps 0-2 replayed, 3 and 4 ran");

        var pastEnd = await DBOS.ForkWorkflowAsync<string>("forked-source", 100);
        Assert.That(await pastEnd.GetResultAsync().WaitAsync(Bound), Is.EqualTo("fs:step0:step1:step2:step3:step4"));
        Assert.That(Counts(), Is.EqualTo(new[] { 2, 2, 2, 3, 3 }), "every step replayed");

        var forks = await DBOS.ListWorkflowsAsync(new WorkflowFilter { ForkedFrom = "forked-source" });
        Assert.That(forks.Select(f => f.WorkflowId), Is.EquivalentTo(new[] { fromZero.WorkflowId, fromMiddle.WorkflowId, pastEnd.WorkflowId }));
        Assert.That(forks.Select(f => f.Status), Has.All.EqualTo(WorkflowStatuses.Success));
        Assert.That(await StepCountAsync(fromMiddle.WorkflowId), Is.EqualTo(5));
    }

    [Test]
    public async Task A_fork_with_a_timeout_gets_its_deadline_when_it_is_dequeued()
    {
        await LaunchAsync();
        using (new SetWorkflowID("slow-source"))
        {
            await DBOS.StartWorkflowAsync(() => ManagementWorkflows.SleepsLong("ss"));
        }

        await EventuallyAsync(async () => await StepCountAsync("slow-source") >= 2, "the source sleeps");
        var fork = await DBOS.ForkWorkflowAsync<string>("slow-source", 1, new WorkflowOptions { Timeout = TimeSpan.FromMilliseconds(300) });
        await Assert.ThrowsAsync<AwaitedWorkflowCancelledException>(() => fork.GetResultAsync().WaitAsync(Bound));
        var row = await ExistingRowAsync(fork.WorkflowId);
        Assert.That(Long(row["workflow_timeout_ms"]), Is.EqualTo(300));
        Assert.That(row["workflow_deadline_epoch_ms"], Is.Not.Null);
        await DBOS.CancelWorkflowAsync("slow-source");
    }

    [Test]
    public async Task A_cancelled_queued_workflow_leaves_its_queue_and_never_runs()
    {
        var queue = new WorkflowQueue("one-at-a-time") { WorkerConcurrency = 1 };
        await LaunchAsync(o => o.AddQueue(queue));
        var running = await DBOS.EnqueueAsync(queue, () => BasicWorkflows.Gated("q1"));
        await EventuallyAsync(async () => await StepCountAsync(running.WorkflowId) >= 1, "the first runs");
        var waiting = await DBOS.EnqueueAsync(queue, () => BasicWorkflows.Gated("q2"), new WorkflowOptions { DeduplicationId = "only-one" });
        Assert.That(await StatusAsync(waiting.WorkflowId), Is.EqualTo(WorkflowStatuses.Enqueued));

        await DBOS.CancelWorkflowAsync(waiting.WorkflowId);
        var row = await ExistingRowAsync(waiting.WorkflowId);
        Assert.That(row["status"], Is.EqualTo(WorkflowStatuses.Cancelled));
        Assert.That(row["queue_name"], Is.Null);
        Assert.That(row["deduplication_id"], Is.Null, "its deduplication ID is free again");
        await Assert.ThrowsAsync<AwaitedWorkflowCancelledException>(() => waiting.GetResultAsync().WaitAsync(Bound));

        Probe.Open("q1");
        Probe.Open("q2");
        Assert.That(await running.GetResultAsync().WaitAsync(Bound), Is.EqualTo("first,second"));
        var again = await DBOS.EnqueueAsync(queue, () => ManagementWorkflows.Quick("q3"), new WorkflowOptions { DeduplicationId = "only-one" });
        Assert.That(await again.GetResultAsync().WaitAsync(Bound), Is.EqualTo("quick q3"));
        Assert.That(Probe.Count("q2:first"), Is.Zero, "the cancelled workflow never ran");
        Assert.That(await StatusAsync(waiting.WorkflowId), Is.EqualTo(WorkflowStatuses.Cancelled));
    }
}
