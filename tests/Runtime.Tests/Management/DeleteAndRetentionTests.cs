using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using NUnit.Framework;

namespace Dbos.Tests.Management;

/// <summary>Deleting workflows with every row that belongs to them, and garbage collection that never touches active work.</summary>
public sealed class DeleteAndRetentionTests(string engine) : ManagementTest(engine)
{
    private async Task<Dictionary<string, long>> CountsAsync(string workflowId)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var table in DependentTables)
        {
            counts[table] = await CountInAsync(table, workflowId);
        }

        return counts;
    }

    /// <summary>A finished workflow with rows in every table: steps, events and their history, input, output, a message, a stream.</summary>
    private async Task MakeFullWorkflowAsync(string workflowId)
    {
        using (new SetWorkflowID(workflowId))
        {
            await ManagementWorkflows.PublishesEvents(workflowId);
        }

        await DBOS.SendAsync(workflowId, "late mail");
        await QueryAsync("INSERT INTO {s}streams (workflow_uuid, key, value, \"offset\", function_id) VALUES (@p1, 'log', '\"line\"', 0, 1)", workflowId);
        Assert.That((await CountsAsync(workflowId)).Values, Has.All.GreaterThan(0), "every table has a row of the workflow");
    }

    [Test]
    public async Task Deleting_a_workflow_removes_every_row_that_belongs_to_it_and_nothing_else()
    {
        await LaunchAsync();
        await MakeFullWorkflowAsync("doomed");
        await MakeFullWorkflowAsync("kept");
        var keptBefore = await CountsAsync("kept");

        await DBOS.DeleteWorkflowAsync("doomed");

        Assert.That((await CountsAsync("doomed")).Values, Has.All.Zero);
        Assert.That(await CountsAsync("kept"), Is.EqualTo(keptBefore));
        await Assert.ThrowsAsync<NonExistentWorkflowException>(() => DBOS.DeleteWorkflowAsync("doomed"));
        Assert.That(await DBOS.GetWorkflowStatusAsync("doomed"), Is.Null);
    }

    [Test]
    public async Task Deleting_with_children_removes_the_tree()
    {
        await LaunchAsync();
        using (new SetWorkflowID("family"))
        {
            await ManagementWorkflows.StartsChild("f", null);
        }

        using (new SetWorkflowID("orphaning"))
        {
            await ManagementWorkflows.StartsChild("o", null);
        }

        await DBOS.DeleteWorkflowAsync("family", deleteChildren: true);
        await DBOS.DeleteWorkflowAsync("orphaning");

        Assert.That(await StatusAsync("family"), Is.Null);
        Assert.That(await StatusAsync("family-0"), Is.Null);
        Assert.That(await CountInAsync("operation_outputs", "family-0"), Is.Zero);
        Assert.That(await StatusAsync("orphaning"), Is.Null);
        Assert.That(await StatusAsync("orphaning-0"), Is.EqualTo(WorkflowStatuses.Success), "children are deleted only when asked");
    }

    private Task InsertAsync(string id, string status, long createdAt)
        => QueryAsync("INSERT INTO {s}workflow_status (workflow_uuid, status, name, created_at, updated_at) VALUES (@p1, @p2, 'old', @p3, @p3)", id, status, createdAt);

    [Test]
    public async Task Garbage_collection_deletes_old_finished_workflows_only()
    {
        await LaunchAsync(o => o.RecoverPendingWorkflows = false);
        var twoDaysAgo = DateTimeOffset.UtcNow.AddDays(-2).ToUnixTimeMilliseconds();
        string[] finished = [WorkflowStatuses.Success, WorkflowStatuses.Error, WorkflowStatuses.Cancelled, WorkflowStatuses.MaxRecoveryAttemptsExceeded];
        string[] active = [WorkflowStatuses.Pending, WorkflowStatuses.Enqueued, WorkflowStatuses.Delayed];
        foreach (var status in finished.Concat(active))
        {
            await InsertAsync("old-" + status, status, twoDaysAgo);
            await QueryAsync("INSERT INTO {s}operation_outputs (workflow_uuid, function_id, function_name) VALUES (@p1, 0, 'step')", "old-" + status);
            await QueryAsync("INSERT INTO {s}workflow_input (workflow_uuid, inputs) VALUES (@p1, '[]')", "old-" + status);
        }

        await MakeFullWorkflowAsync("recent");
        var recent = await CountsAsync("recent");

        var deleted = await DBOS.GarbageCollectAsync(olderThan: TimeSpan.FromDays(1));

        Assert.That(deleted, Is.EqualTo(finished.Length));
        foreach (var status in finished)
        {
            Assert.That((await CountsAsync("old-" + status)).Values, Has.All.Zero, status + " is deleted with its rows");
        }

        foreach (var status in active)
        {
            Assert.That(await StatusAsync("old-" + status), Is.EqualTo(status), status + " is never deleted");
            Assert.That(await StepCountAsync("old-" + status), Is.EqualTo(1));
        }

        Assert.That(await CountsAsync("recent"), Is.EqualTo(recent));
    }

    [Test]
    public async Task Garbage_collection_can_keep_the_newest_rows()
    {
        await LaunchAsync();
        for (var i = 0; i < 6; i++)
        {
            await InsertAsync("n" + i, WorkflowStatuses.Success, 1000 + i);
        }

        await InsertAsync("pending-oldest", WorkflowStatuses.Pending, 10);
        Assert.That(await DBOS.GarbageCollectAsync(keepRows: 2), Is.EqualTo(4));
        Assert.That((await QueryAsync("SELECT workflow_uuid FROM {s}workflow_status ORDER BY created_at")).Select(r => r[0]),
            Is.EqualTo(new[] { "pending-oldest", "n4", "n5" }));
        Assert.That(await DBOS.GarbageCollectAsync(keepRows: 100), Is.Zero, "fewer workflows than that");
        await Assert.ThrowsAsync<ArgumentException>(() => DBOS.GarbageCollectAsync());
    }

    [Test]
    public async Task Garbage_collection_under_concurrent_load_loses_nothing_that_is_still_running()
    {
        await LaunchAsync();
        const int Loopers = 8;
        const int Waiters = 8;
        var loopers = new List<WorkflowHandle<int>>();
        var waiters = new List<WorkflowHandle<string>>();
        for (var i = 0; i < Loopers; i++)
        {
            using (new SetWorkflowID("looper-" + i))
            {
                loopers.Add(await DBOS.StartWorkflowAsync(() => RetentionWorkflows.StepsUntilStopped("loop")));
            }
        }

        for (var i = 0; i < Waiters; i++)
        {
            using (new SetWorkflowID("waiter-" + i))
            {
                waiters.Add(await DBOS.StartWorkflowAsync(() => ManagementWorkflows.WaitsForMessage("w" + i)));
            }
        }

        // While they run: workflows finish and are collected, over and over.
        long collected = 0;
        var finishedDuringLoad = 0;
        for (var round = 0; round < 15; round++)
        {
            for (var j = 0; j < 5; j++)
            {
                using (new SetWorkflowID($"short-{round}-{j}"))
                {
                    await ManagementWorkflows.Quick("x");
                }

                finishedDuringLoad++;
            }

            collected += await DBOS.GarbageCollectAsync(olderThan: TimeSpan.Zero);
        }

        // A workflow created in the very millisecond of a cutoff is collected by a later call.
        await EventuallyAsync(async () => (collected += await DBOS.GarbageCollectAsync(olderThan: TimeSpan.Zero)) >= finishedDuringLoad, "every finished workflow was collected");
        Assert.That(collected, Is.EqualTo(finishedDuringLoad), "only the finished workflows were collected");
        Probe.SetFlag("loop", true);
        for (var i = 0; i < Waiters; i++)
        {
            await DBOS.SendAsync("waiter-" + i, "mail " + i, "topic");
        }

        for (var i = 0; i < Loopers; i++)
        {
            var rounds = await loopers[i].GetResultAsync().WaitAsync(Bound);
            Assert.That(await StepCountAsync("looper-" + i), Is.EqualTo((2 * rounds) + 1), "every checkpoint of a running workflow survived");
            Assert.That(await StatusAsync("looper-" + i), Is.EqualTo(WorkflowStatuses.Success));
            Assert.That(await CountInAsync("workflow_input", "looper-" + i), Is.EqualTo(1));
        }

        for (var i = 0; i < Waiters; i++)
        {
            Assert.That(await waiters[i].GetResultAsync().WaitAsync(Bound), Is.EqualTo("mail " + i));
            Assert.That(await StepCountAsync("waiter-" + i), Is.EqualTo(4));
        }
    }

    [Test]
    public async Task The_retention_sweep_deletes_old_finished_workflows_in_the_background()
    {
        await LaunchAsync(o => o.RecoverPendingWorkflows = false);
        var old = DateTimeOffset.UtcNow.AddDays(-30).ToUnixTimeMilliseconds();
        await InsertAsync("ancient", WorkflowStatuses.Success, old);
        await InsertAsync("ancient-pending", WorkflowStatuses.Pending, old);

        await LaunchAsync(o =>
        {
            o.RecoverPendingWorkflows = false;
            o.ExecutorId = "sweeper";
            o.Retention = new RetentionOptions { MaxAge = TimeSpan.FromDays(7), Interval = TimeSpan.FromHours(1) };
        });

        await EventuallyAsync(async () => await StatusAsync("ancient") is null, "the sweep deleted the old finished workflow");
        Assert.That(await StatusAsync("ancient-pending"), Is.EqualTo(WorkflowStatuses.Pending));
        Assert.Throws<ArgumentException>(() => _ = new DbosRuntime(Options(o => o.Retention = new RetentionOptions())));
    }
}
