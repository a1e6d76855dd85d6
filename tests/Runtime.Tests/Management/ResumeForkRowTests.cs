using System;
using System.Linq;
using System.Threading.Tasks;
using NUnit.Framework;

namespace Dbos.Tests.Management;

/// <summary>The rows resume and fork write: exactly those DBOS TypeScript 5.3 writes, so any DBOS executor's dequeue runs them.
/// The workflows are put on a queue no executor serves, so the rows stay as written.</summary>
public sealed class ResumeForkRowTests(string engine) : ManagementTest(engine)
{
    private const string Unserved = "nobody-serves-this-queue";

    [Test]
    public async Task Resume_after_cancel_enqueues_the_workflow_as_DBOS_does()
    {
        await LaunchAsync();
        using (new SetWorkflowID("resumed"))
        {
            await DBOS.StartWorkflowAsync(() => BasicWorkflows.Gated("rs"));
        }

        await EventuallyAsync(async () => await StepCountAsync("resumed") >= 1, "the workflow reached its gate");
        await DBOS.CancelWorkflowAsync("resumed");
        await QueryAsync("UPDATE {s}workflow_status SET recovery_attempts = 4, workflow_deadline_epoch_ms = 123, deduplication_id = 'dd' WHERE workflow_uuid = 'resumed'");

        var handle = await DBOS.ResumeWorkflowAsync<string>("resumed", Unserved);
        Assert.That(handle.WorkflowId, Is.EqualTo("resumed"));
        var row = await ExistingRowAsync("resumed");
        Assert.Multiple(() =>
        {
            Assert.That(row["status"], Is.EqualTo(WorkflowStatuses.Enqueued));
            Assert.That(row["queue_name"], Is.EqualTo(Unserved));
            Assert.That(Long(row["recovery_attempts"]), Is.Zero);
            Assert.That(row["workflow_deadline_epoch_ms"], Is.Null, "a timeout starts again at dequeue");
            Assert.That(row["deduplication_id"], Is.Null);
            Assert.That(row["started_at_epoch_ms"], Is.Null);
            Assert.That(row["completed_at"], Is.Null);
            Assert.That(row["owner_xid"], Is.Null, "the dequeue takes it");
        });
        Assert.That(await StepCountAsync("resumed"), Is.EqualTo(1), "its checkpoints stay, so it runs from them");
        Probe.Open("rs");
    }

    [Test]
    public async Task Resuming_a_finished_workflow_leaves_it_and_its_handle_has_the_result()
    {
        await LaunchAsync();
        using (new SetWorkflowID("done"))
        {
            await BasicWorkflows.ThreeSteps(2);
        }

        var handle = await DBOS.ResumeWorkflowAsync<string>("done");
        Assert.That(await StatusAsync("done"), Is.EqualTo(WorkflowStatuses.Success));
        Assert.That(await handle.GetResultAsync(), Is.EqualTo("r6"));
        await Assert.ThrowsAsync<NonExistentWorkflowException>(() => DBOS.ResumeWorkflowAsync("never-was"));
    }

    [Test]
    public async Task A_fork_copies_the_operations_before_its_start_step_and_names_its_original()
    {
        await LaunchAsync();
        using (new SetWorkflowID("original"))
        {
            await ManagementWorkflows.FiveSteps("fk");
        }

        var handle = await DBOS.ForkWorkflowAsync<string>("original", 2, new WorkflowOptions
        {
            WorkflowId = "fork-2", Queue = Unserved, ApplicationVersion = "v-fork", Timeout = TimeSpan.FromSeconds(90), PartitionKey = "p1",
        });
        Assert.That(handle.WorkflowId, Is.EqualTo("fork-2"));

        var row = await ExistingRowAsync("fork-2");
        var original = await ExistingRowAsync("original");
        Assert.Multiple(() =>
        {
            Assert.That(row["status"], Is.EqualTo(WorkflowStatuses.Enqueued));
            Assert.That(row["queue_name"], Is.EqualTo(Unserved));
            Assert.That(row["forked_from"], Is.EqualTo("original"));
            Assert.That(row["name"], Is.EqualTo(original["name"]));
            Assert.That(row["class_name"], Is.EqualTo(original["class_name"]));
            Assert.That(row["serialization"], Is.EqualTo(original["serialization"]));
            Assert.That(row["application_version"], Is.EqualTo("v-fork"));
            Assert.That(Long(row["workflow_timeout_ms"]), Is.EqualTo(90_000));
            Assert.That(row["workflow_deadline_epoch_ms"], Is.Null, "the deadline is set when it is dequeued");
            Assert.That(row["queue_partition_key"], Is.EqualTo("p1"));
            Assert.That(row["owner_xid"], Is.Null);
            Assert.That(row["executor_id"], Is.Null);
            Assert.That(Long(row["recovery_attempts"]), Is.Zero);
            Assert.That(Bool(original["was_forked_from"]), Is.True);
            Assert.That(original["status"], Is.EqualTo(WorkflowStatuses.Success), "the original is left as it is");
        });

        var inputs = await QueryAsync("SELECT workflow_uuid, inputs FROM {s}workflow_input WHERE workflow_uuid IN ('original', 'fork-2') ORDER BY workflow_uuid");
        Assert.That(inputs.Select(r => r[1]).Distinct().Count(), Is.EqualTo(1), "the same inputs");
        Assert.That(inputs, Has.Count.EqualTo(2));
        var legacy = await QueryAsync("SELECT inputs FROM {s}workflow_status WHERE workflow_uuid = 'fork-2'");
        Assert.That(legacy[0][0], Is.Null, "as DBOS 5 writes it: the payload lives in workflow_input");

        var copied = await QueryAsync("SELECT o.function_id, o.function_name, o.output, o.serialization FROM {s}operation_outputs o WHERE o.workflow_uuid = 'fork-2' ORDER BY o.function_id");
        var source = await QueryAsync("SELECT function_id, function_name, output, serialization FROM {s}operation_outputs WHERE workflow_uuid = 'original' AND function_id < 2 ORDER BY function_id");
        Assert.That(copied.Select(r => string.Join("|", r)), Is.EqualTo(source.Select(r => string.Join("|", r))));
        Assert.That(copied.Select(r => Long(r[0])), Is.EqualTo(new long?[] { 0, 1 }));
    }

    [Test]
    public async Task A_fork_from_zero_copies_nothing_and_from_past_the_end_copies_everything()
    {
        await LaunchAsync();
        using (new SetWorkflowID("five"))
        {
            await ManagementWorkflows.FiveSteps("fz");
        }

        await DBOS.ForkWorkflowAsync("five", 0, new WorkflowOptions { WorkflowId = "from-zero", Queue = Unserved });
        await DBOS.ForkWorkflowAsync("five", 1000, new WorkflowOptions { WorkflowId = "past-end", Queue = Unserved });
        Assert.That(await StepCountAsync("from-zero"), Is.Zero);
        Assert.That(await StepCountAsync("past-end"), Is.EqualTo(5));
        Assert.That((await ExistingRowAsync("from-zero"))["application_version"], Is.EqualTo((await ExistingRowAsync("five"))["application_version"]),
            "the original's version by default");
    }

    [Test]
    public async Task A_fork_copies_the_event_history_before_its_start_step_and_each_events_latest_value_there()
    {
        await LaunchAsync();
        using (new SetWorkflowID("events"))
        {
            await ManagementWorkflows.PublishesEvents("ev"); // color=red @0, step @1, color=green @2, size=large @3, step @4
        }

        await DBOS.ForkWorkflowAsync("events", 3, new WorkflowOptions { WorkflowId = "events-fork", Queue = Unserved });
        var history = await QueryAsync("SELECT function_id, key, value FROM {s}workflow_events_history WHERE workflow_uuid = 'events-fork' ORDER BY function_id");
        Assert.That(history.Select(r => $"{Long(r[0])}:{r[1]}"), Is.EqualTo(new[] { "0:color", "2:color" }));
        var events = await QueryAsync("SELECT key, value FROM {s}workflow_events WHERE workflow_uuid = 'events-fork' ORDER BY key");
        Assert.That(events.Select(r => $"{r[0]}={r[1]}"), Is.EqualTo(new[] { "color=\"green\"" }), "size was set at step 3: not copied");
    }

    [Test]
    public async Task A_fork_takes_its_id_from_a_SetWorkflowID_scope_or_makes_one()
    {
        await LaunchAsync();
        using (new SetWorkflowID("base"))
        {
            await BasicWorkflows.ThreeSteps(1);
        }

        WorkflowHandle scoped;
        using (new SetWorkflowID("scoped-fork"))
        {
            scoped = await DBOS.ForkWorkflowAsync("base", 1, new WorkflowOptions { Queue = Unserved });
        }

        var fresh = await DBOS.ForkWorkflowAsync("base", 1, new WorkflowOptions { Queue = Unserved });
        Assert.That(scoped.WorkflowId, Is.EqualTo("scoped-fork"));
        Assert.That(Guid.TryParse(fresh.WorkflowId, out _), Is.True);
        Assert.That((await ExistingRowAsync(fresh.WorkflowId))["forked_from"], Is.EqualTo("base"));
    }

    [Test]
    public async Task A_bad_fork_fails_clearly_and_writes_nothing()
    {
        await LaunchAsync();
        using (new SetWorkflowID("src"))
        {
            await BasicWorkflows.ThreeSteps(1);
        }

        using (new SetWorkflowID("taken"))
        {
            await BasicWorkflows.ThreeSteps(2);
        }

        var conflict = await Assert.ThrowsAsync<WorkflowConflictIdException>(() => DBOS.ForkWorkflowAsync("src", 2, new WorkflowOptions { WorkflowId = "taken" }));
        Assert.That(conflict!.Message, Does.Contain("already exists"));
        Assert.That(await StepCountAsync("taken"), Is.EqualTo(3), "the existing workflow's steps are untouched");
        Assert.That(Bool((await ExistingRowAsync("src"))["was_forked_from"]), Is.False);

        await Assert.ThrowsAsync<NonExistentWorkflowException>(() => DBOS.ForkWorkflowAsync("missing", 0));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => DBOS.ForkWorkflowAsync("src", -1));
        await Assert.ThrowsAsync<ArgumentException>(() => DBOS.ForkWorkflowAsync("src", 0, new WorkflowOptions { DeduplicationId = "x" }));
        Assert.That(await CountAsync("SELECT COUNT(*) FROM {s}workflow_status"), Is.EqualTo(2));
    }
}
