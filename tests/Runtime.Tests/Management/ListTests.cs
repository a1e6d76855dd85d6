using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using NUnit.Framework;

namespace Dbos.Tests.Management;

/// <summary>Listing workflows and steps: each filter against rows made on purpose, paging, and the typed payloads.</summary>
public sealed class ListTests(string engine) : ManagementTest(engine)
{
    private const long T0 = 1_700_000_000_000;

    // A deadline the timeout sweep leaves alone.
    private const long FarFuture = 4_102_444_800_000;

    private static DateTimeOffset At(long offset) => DateTimeOffset.FromUnixTimeMilliseconds(T0 + offset);

    private Task InsertAsync(string id, string status, long created, string name = "alpha", string className = "A", long? completed = null, long? started = null,
        string version = "v1", string executor = "e1", string? user = null, string? queue = null, string? parent = null, string? forkedFrom = null, bool wasForkedFrom = false, string? app = null)
        => QueryAsync(
            "INSERT INTO {s}workflow_status (workflow_uuid, status, name, class_name, created_at, updated_at, completed_at, started_at_epoch_ms, application_version, " +
            "executor_id, authenticated_user, queue_name, parent_workflow_id, forked_from, was_forked_from, application_name) VALUES (@p1, @p2, @p3, @p4, @p5, @p5, @p6, @p7, @p8, @p9, @p10, @p11, @p12, @p13, @p14, @p15)",
            id, status, name, className, T0 + created, completed is { } c ? T0 + c : null, started is { } s ? T0 + s : null, version, executor, user, queue, parent, forkedFrom, wasForkedFrom, app);

    private async Task MakeRowsAsync()
    {
        await InsertAsync("a", WorkflowStatuses.Success, 1000, completed: 1500, started: 1100, user: "alice", wasForkedFrom: true);
        await InsertAsync("b", WorkflowStatuses.Error, 2000, "beta", "B", completed: 2600, started: 2100, version: "v2", executor: "e2", user: "bob", queue: "q1", app: "shop");
        await InsertAsync("c", WorkflowStatuses.Enqueued, 3000, queue: "q1");
        await InsertAsync("d", WorkflowStatuses.Pending, 4000, queue: "q2", started: 4100, parent: "a");
        await InsertAsync("e", WorkflowStatuses.Cancelled, 5000, completed: 5200, forkedFrom: "a", app: "billing");
        await InsertAsync("f", WorkflowStatuses.Delayed, 6000, queue: "q1");
        await InsertAsync("a-child", WorkflowStatuses.Pending, 7000, parent: "a");
        await InsertAsync("x_1", WorkflowStatuses.Success, 8000, completed: 8001);
        await InsertAsync("xy1", WorkflowStatuses.Success, 9000, completed: 9001);
    }

    private static async Task<string[]> IdsAsync(WorkflowFilter filter) => (await DBOS.ListWorkflowsAsync(filter)).Select(w => w.WorkflowId).ToArray();

    [Test]
    public async Task Each_filter_selects_exactly_the_rows_it_names()
    {
        await LaunchAsync(o => o.RecoverPendingWorkflows = false);
        await MakeRowsAsync();
        string[] all = ["a", "b", "c", "d", "e", "f", "a-child", "x_1", "xy1"];

        var cases = new (string What, WorkflowFilter Filter, string[] Expected)[]
        {
            ("no filter", new WorkflowFilter(), all),
            ("ids", new WorkflowFilter { WorkflowIds = ["c", "a", "missing"] }, ["a", "c"]),
            ("no ids", new WorkflowFilter { WorkflowIds = [] }, []),
            ("prefix", new WorkflowFilter { WorkflowIdPrefix = "a" }, ["a", "a-child"]),
            ("prefix with a LIKE wildcard", new WorkflowFilter { WorkflowIdPrefix = "x_" }, ["x_1"]),
            ("statuses", new WorkflowFilter { Statuses = [WorkflowStatuses.Success, WorkflowStatuses.Error] }, ["a", "b", "x_1", "xy1"]),
            ("name", new WorkflowFilter { Name = "beta" }, ["b"]),
            ("class", new WorkflowFilter { ClassName = "B" }, ["b"]),
            ("created between (inclusive)", new WorkflowFilter { CreatedAfter = At(2000), CreatedBefore = At(4000) }, ["b", "c", "d"]),
            ("completed between (inclusive)", new WorkflowFilter { CompletedAfter = At(1500), CompletedBefore = At(2600) }, ["a", "b"]),
            ("dequeued after", new WorkflowFilter { DequeuedAfter = At(2100) }, ["b", "d"]),
            ("dequeued before", new WorkflowFilter { DequeuedBefore = At(2100) }, ["a", "b"]),
            ("application version", new WorkflowFilter { ApplicationVersion = "v2" }, ["b"]),
            ("application name", new WorkflowFilter { ApplicationName = "shop" }, ["b"]),
            ("executor", new WorkflowFilter { ExecutorId = "e2" }, ["b"]),
            ("user", new WorkflowFilter { AuthenticatedUser = "alice" }, ["a"]),
            ("queue", new WorkflowFilter { QueueName = "q1" }, ["b", "c", "f"]),
            ("queues only", new WorkflowFilter { QueuesOnly = true }, ["c", "d", "f"]),
            ("parent", new WorkflowFilter { ParentWorkflowId = "a" }, ["d", "a-child"]),
            ("forked from", new WorkflowFilter { ForkedFrom = "a" }, ["e"]),
            ("was forked from", new WorkflowFilter { WasForkedFrom = true }, ["a"]),
            ("was not forked from", new WorkflowFilter { WasForkedFrom = false }, all.Where(i => i != "a").ToArray()),
            ("has parent", new WorkflowFilter { HasParent = true }, ["d", "a-child"]),
            ("has no parent", new WorkflowFilter { HasParent = false }, all.Except(["d", "a-child"]).ToArray()),
            ("combined", new WorkflowFilter { Name = "alpha", QueueName = "q1", Statuses = [WorkflowStatuses.Enqueued, WorkflowStatuses.Delayed] }, ["c", "f"]),
            ("a page", new WorkflowFilter { Limit = 3, Offset = 2 }, ["c", "d", "e"]),
            ("an offset alone", new WorkflowFilter { Offset = 7 }, ["x_1", "xy1"]),
            ("newest first", new WorkflowFilter { SortDescending = true, Limit = 2 }, ["xy1", "x_1"]),
            ("newest first, second page", new WorkflowFilter { SortDescending = true, Limit = 2, Offset = 2 }, ["a-child", "f"]),
        };

        foreach (var (what, filter, expected) in cases)
        {
            Assert.That(await IdsAsync(filter), Is.EqualTo(expected), what);
        }

        Assert.That((await DBOS.ListQueuedWorkflowsAsync(new WorkflowFilter { QueueName = "q1" })).Select(w => w.WorkflowId), Is.EqualTo(new[] { "c", "f" }));
        Assert.That((await DBOS.ListQueuedWorkflowsAsync()).Select(w => w.WorkflowId), Is.EqualTo(new[] { "c", "d", "f" }));
    }

    [Test]
    public async Task A_listed_row_carries_every_column_DBOS_returns()
    {
        await LaunchAsync(o => o.RecoverPendingWorkflows = false);
        await QueryAsync(
            "INSERT INTO {s}workflow_status (workflow_uuid, status, name, class_name, config_name, authenticated_user, assumed_role, authenticated_roles, executor_id, " +
            "application_version, application_name, created_at, updated_at, recovery_attempts, queue_name, workflow_timeout_ms, workflow_deadline_epoch_ms, started_at_epoch_ms, " +
            "delay_until_epoch_ms, deduplication_id, priority, queue_partition_key, forked_from, was_forked_from, parent_workflow_id, serialization) VALUES " +
            "('full', 'PENDING', 'wf', 'Cls', 'cfg', 'carol', 'admin', '[\"admin\",\"ops\"]', 'exec', 'ver', 'app', @p1, @p2, 3, 'q', 60000, @p3, @p4, @p5, 'dd', 7, 'pk', 'orig', @p6, 'par', 'portable_json')",
            T0, T0 + 5, FarFuture, T0 + 10, T0 + 20, true);

        var status = (await DBOS.ListWorkflowsAsync(new WorkflowFilter { WorkflowIds = ["full"] })).Single();
        Assert.Multiple(() =>
        {
            Assert.That(status.Status, Is.EqualTo(WorkflowStatuses.Pending));
            Assert.That(status.Name, Is.EqualTo("wf"));
            Assert.That(status.ClassName, Is.EqualTo("Cls"));
            Assert.That(status.ConfigName, Is.EqualTo("cfg"));
            Assert.That(status.AuthenticatedUser, Is.EqualTo("carol"));
            Assert.That(status.AssumedRole, Is.EqualTo("admin"));
            Assert.That(status.AuthenticatedRoles, Is.EqualTo(new[] { "admin", "ops" }));
            Assert.That(status.ExecutorId, Is.EqualTo("exec"));
            Assert.That(status.ApplicationVersion, Is.EqualTo("ver"));
            Assert.That(status.ApplicationName, Is.EqualTo("app"));
            Assert.That(status.CreatedAt, Is.EqualTo(At(0)));
            Assert.That(status.UpdatedAt, Is.EqualTo(At(5)));
            Assert.That(status.RecoveryAttempts, Is.EqualTo(3));
            Assert.That(status.QueueName, Is.EqualTo("q"));
            Assert.That(status.Timeout, Is.EqualTo(TimeSpan.FromMinutes(1)));
            Assert.That(status.Deadline, Is.EqualTo(DateTimeOffset.FromUnixTimeMilliseconds(FarFuture)));
            Assert.That(status.DequeuedAt, Is.EqualTo(At(10)));
            Assert.That(status.DelayUntil, Is.EqualTo(At(20)));
            Assert.That(status.DeduplicationId, Is.EqualTo("dd"));
            Assert.That(status.Priority, Is.EqualTo(7));
            Assert.That(status.PartitionKey, Is.EqualTo("pk"));
            Assert.That(status.ForkedFrom, Is.EqualTo("orig"));
            Assert.That(status.WasForkedFrom, Is.True);
            Assert.That(status.ParentWorkflowId, Is.EqualTo("par"));
            Assert.That(status.CompletedAt, Is.Null);
        });
        Assert.That(await DBOS.GetWorkflowStatusAsync("full"), Is.Not.Null.And.Property(nameof(WorkflowStatus.DeduplicationId)).EqualTo("dd"));
    }

    [Test]
    public async Task Inputs_outputs_and_errors_are_loaded_on_request_and_read_typed()
    {
        await LaunchAsync();
        using (new SetWorkflowID("ok"))
        {
            await BasicWorkflows.ThreeSteps(5);
        }

        using (new SetWorkflowID("failed"))
        {
            await Assert.ThrowsAsync<InvalidOperationException>(() => ManagementWorkflows.FailsWith("broken"));
        }

        var ok = (await DBOS.ListWorkflowsAsync(new WorkflowFilter { WorkflowIds = ["ok"] })).Single();
        Assert.That(ok.GetInputs(), Is.EqualTo(new object[] { 5 }), "read as the registered workflow's parameters");
        Assert.That(ok.GetInputs(typeof(long)), Is.EqualTo(new object[] { 5L }), "or as the given types");
        Assert.That(ok.GetOutput<string>(), Is.EqualTo("r12"));
        Assert.That(ok.GetError(), Is.Null);

        var failed = (await DBOS.ListWorkflowsAsync(new WorkflowFilter { WorkflowIds = ["failed"] })).Single();
        Assert.That(failed.Status, Is.EqualTo(WorkflowStatuses.Error));
        Assert.That(failed.GetError(), Is.InstanceOf<InvalidOperationException>().With.Message.EqualTo("broken"));
        Assert.That(failed.GetOutput<string>(), Is.Null);

        var bare = (await DBOS.ListWorkflowsAsync(new WorkflowFilter { WorkflowIds = ["ok"], LoadInput = false, LoadOutput = false })).Single();
        Assert.That(bare.SerializedInput, Is.Null);
        Assert.That(bare.SerializedOutput, Is.Null);
        Assert.That(bare.GetInputs(), Is.Empty);

        var queued = await DBOS.ListQueuedWorkflowsAsync(new WorkflowFilter { WorkflowIds = ["ok"] });
        Assert.That(queued, Is.Empty, "a finished workflow is not queued");
    }

    [Test]
    public async Task The_steps_of_a_workflow_are_listed_in_order_with_their_outputs_and_children()
    {
        await LaunchAsync();
        using (new SetWorkflowID("steps"))
        {
            await BasicWorkflows.ThreeSteps(5);
        }

        using (new SetWorkflowID("with-child"))
        {
            await ManagementWorkflows.StartsChild("kid", null);
        }

        var steps = await DBOS.ListWorkflowStepsAsync("steps");
        Assert.That(steps.Select(s => (s.FunctionId, s.Name)), Is.EqualTo(new[] { (0, "StepA"), (1, "StepB"), (2, "StepC") }));
        Assert.That(steps[0].GetOutput<int>(), Is.EqualTo(6));
        Assert.That(steps[2].GetOutput<string>(), Is.EqualTo("r12"));
        Assert.That(steps.All(s => s.StartedAt is not null && s.CompletedAt >= s.StartedAt && s.GetError() is null), Is.True);

        var parent = await DBOS.ListWorkflowStepsAsync("with-child");
        Assert.That(parent.Select(s => (s.Name, s.ChildWorkflowId)), Is.EqualTo(new[] { ("Quick", "with-child-0"), ("DBOS.getResult", "with-child-0") }));
        Assert.That(parent[1].GetOutput<string>(), Is.EqualTo("quick kid"));

        await Assert.ThrowsAsync<NonExistentWorkflowException>(() => DBOS.ListWorkflowStepsAsync("nobody"));
    }

    [Test]
    public async Task Bad_filters_fail_with_what_to_do()
    {
        await LaunchAsync();
        var e = await Assert.ThrowsAsync<ArgumentException>(() => DBOS.ListWorkflowsAsync(new WorkflowFilter { Statuses = ["FAILED"] }));
        Assert.That(e!.Message, Does.Contain("WorkflowStatuses"));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => DBOS.ListWorkflowsAsync(new WorkflowFilter { Limit = -1 }));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => DBOS.ListWorkflowsAsync(new WorkflowFilter { Offset = -5 }));
    }

    [Test]
    public async Task A_list_inside_a_workflow_is_recorded_and_replayed()
    {
        await LaunchAsync();
        await InsertAsync("seen", WorkflowStatuses.Success, 1000, completed: 1001);
        using (new SetWorkflowID("lister"))
        {
            Assert.That(await ManagementListingWorkflows.CountsSuccesses(), Is.EqualTo(1));
        }

        var steps = await DBOS.ListWorkflowStepsAsync("lister");
        Assert.That(steps.Select(s => s.Name), Is.EqualTo(new[] { "DBOS.listWorkflows" }));
        Assert.That(steps[0].GetOutput<List<WorkflowStatus>>()!.Single().WorkflowId, Is.EqualTo("seen"));
    }
}

public partial class ManagementListingWorkflows
{
    [Workflow]
    public static async Task<int> CountsSuccesses()
        => (await DBOS.ListWorkflowsAsync(new WorkflowFilter { Statuses = [WorkflowStatuses.Success] })).Count;
}
