using System;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using NUnit.Framework;

namespace Dbos.Tests;

/// <summary>Queues on real PostgreSQL and SQLite: limits asserted from what ran at once and in what order, never from timing.</summary>
public sealed class QueueTests(string engine) : EngineTest(engine)
{
    [SetUp]
    public void ResetWorkflows() => QueueWorkflows.Reset();

    private async Task<long> CountStatusAsync(string status) => await CountAsync("SELECT COUNT(*) FROM {s}workflow_status WHERE status = @p1", status);

    [Test]
    public async Task An_enqueued_workflow_runs_here_its_handle_returns_the_result_and_the_queue_is_stored_for_DBOS_tools()
    {
        var queue = new WorkflowQueue("plain") { WorkerConcurrency = 4, Concurrency = 8, RateLimit = new QueueRateLimit(100, TimeSpan.FromSeconds(2)) };
        await LaunchAsync(o => o.AddQueue(queue));
        var handle = await DBOS.EnqueueAsync(queue, () => QueueWorkflows.Echo("hello"), new WorkflowOptions { WorkflowId = "queued-1" });
        Assert.That(handle.WorkflowId, Is.EqualTo("queued-1"));
        Assert.That(await handle.GetResultAsync(), Is.EqualTo("hello"));
        var row = (await QueryAsync("SELECT queue_name, status, started_at_epoch_ms, rate_limited, recovery_attempts FROM {s}workflow_status WHERE workflow_uuid = 'queued-1'")).Single();
        Assert.That((row[0], row[1]), Is.EqualTo(("plain", (object)WorkflowStatuses.Success)));
        Assert.That(row[2], Is.Not.Null, "dequeued at");
        Assert.That(Convert.ToInt64(row[4], CultureInfo.InvariantCulture), Is.EqualTo(1));
        var stored = (await QueryAsync("SELECT concurrency, worker_concurrency, rate_limit_max, rate_limit_period_sec FROM {s}queues WHERE name = 'plain'")).Single();
        Assert.That(stored.Select(v => Convert.ToDouble(v, CultureInfo.InvariantCulture)), Is.EqualTo(new[] { 8.0, 4.0, 100.0, 2.0 }));
    }

    [TestCase(true)]
    [TestCase(false)]
    public async Task A_concurrency_limit_is_never_exceeded(bool global)
    {
        var queue = global ? new WorkflowQueue("limited") { Concurrency = 2 } : new WorkflowQueue("limited") { WorkerConcurrency = 2 };
        await LaunchAsync(o => o.AddQueue(queue));
        var handles = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => DBOS.EnqueueAsync(queue, () => QueueWorkflows.Hold($"w{i}", "limit-gate"))));
        await EventuallyAsync(async () => await CountStatusAsync(WorkflowStatuses.Pending) == 2, "two run");
        await EventuallyAsync(() => Task.FromResult(QueueWorkflows.Order.Count == 2), "both are inside their step");
        Assert.That(await CountStatusAsync(WorkflowStatuses.Enqueued), Is.EqualTo(4), "the rest wait on the queue");
        Probe.Open("limit-gate");
        var results = await Task.WhenAll(handles.Select(h => h.GetResultAsync()));
        Assert.That(results, Is.EquivalentTo(Enumerable.Range(0, 6).Select(i => $"w{i}")));
        Assert.That(QueueWorkflows.MaxRunning, Is.EqualTo(2));
    }

    [Test]
    public async Task A_rate_limit_starts_at_most_its_limit_per_period_and_the_rest_when_the_period_has_passed()
    {
        // The clock is the runtime's own (a fake one), so periods pass only when the test says so.
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        var queue = new WorkflowQueue("rated") { RateLimit = new QueueRateLimit(3, TimeSpan.FromSeconds(10)) };
        await LaunchAsync(o =>
        {
            o.TimeProvider = time;
            o.AddQueue(queue);
        });
        var handles = await Task.WhenAll(Enumerable.Range(0, 7).Select(i => DBOS.EnqueueAsync(queue, () => QueueWorkflows.Echo($"r{i}"))));
        async Task<long> Started() => await CountAsync("SELECT COUNT(*) FROM {s}workflow_status WHERE queue_name = 'rated' AND status = 'SUCCESS'");

        await EventuallyAsync(async () => await Started() == 3, "the first period's three ran");
        Assert.That(await CountAsync("SELECT COUNT(*) FROM {s}workflow_status WHERE queue_name = 'rated' AND status = 'ENQUEUED'"), Is.EqualTo(4), "the rest wait for the next period");
        // A second at a time (the dispatcher may be between two waits when the clock moves): no batch can start early.
        async Task AdvanceUntilAsync(long count)
        {
            for (var i = 0; i < 600 && await Started() < count; i++)
            {
                time.Advance(TimeSpan.FromSeconds(1));
                await Task.Delay(20);
            }
        }

        await AdvanceUntilAsync(6);
        Assert.That(await Started(), Is.EqualTo(6), "three more in the second period");
        Assert.That(await CountAsync("SELECT COUNT(*) FROM {s}workflow_status WHERE queue_name = 'rated' AND status = 'ENQUEUED'"), Is.EqualTo(1));
        await AdvanceUntilAsync(7);
        var results = await Task.WhenAll(handles.Select(h => h.GetResultAsync()));
        Assert.That(results, Is.EquivalentTo(Enumerable.Range(0, 7).Select(i => $"r{i}")));
        var starts = (await QueryAsync("SELECT started_at_epoch_ms FROM {s}workflow_status WHERE queue_name = 'rated'")).Select(r => Convert.ToInt64(r[0], CultureInfo.InvariantCulture)).ToList();
        Assert.That(starts.Max(s => starts.Count(t => t >= s && t < s + 10_000)), Is.LessThanOrEqualTo(3), "no 10 s window holds more than three starts");
    }

    [Test]
    public async Task Workflows_are_dequeued_by_priority_then_in_enqueue_order()
    {
        var queue = new WorkflowQueue("ordered") { WorkerConcurrency = 1 };
        await LaunchAsync(o => o.AddQueue(queue));
        var first = await DBOS.EnqueueAsync(queue, () => QueueWorkflows.Hold("blocker", "order-gate"));
        await EventuallyAsync(() => Task.FromResult(QueueWorkflows.Order.Count == 1), "the blocker runs");
        var rest = new[] { ("p5", 5), ("p1-a", 1), ("p3", 3), ("p0", 0), ("p1-b", 1) };
        var handles = new System.Collections.Generic.List<WorkflowHandle<string>> { first };
        foreach (var (label, priority) in rest)
        {
            handles.Add(await DBOS.EnqueueAsync(queue, () => QueueWorkflows.Hold(label, "order-gate"), new WorkflowOptions { Priority = priority }));
        }

        Probe.Open("order-gate");
        await Task.WhenAll(handles.Select(h => h.GetResultAsync()));
        Assert.That(QueueWorkflows.Order, Is.EqualTo(new[] { "blocker", "p0", "p1-a", "p1-b", "p3", "p5" }));
    }

    [Test]
    public async Task A_deduplication_id_is_refused_while_its_workflow_is_queued_or_running_and_free_again_after()
    {
        var queue = new WorkflowQueue("dedup") { WorkerConcurrency = 1 };
        await LaunchAsync(o => o.AddQueue(queue));
        var first = await DBOS.EnqueueAsync(queue, () => QueueWorkflows.Hold("first", "dedup-gate"), new WorkflowOptions { DeduplicationId = "order-7" });
        var refused = await Assert.ThrowsAsync<QueueDeduplicatedException>(() => DBOS.EnqueueAsync(queue, () => QueueWorkflows.Hold("second", "dedup-gate"), new WorkflowOptions { DeduplicationId = "order-7" }));
        Assert.That((refused!.QueueName, refused.DeduplicationId), Is.EqualTo(("dedup", "order-7")));
        Assert.That(await CountAsync("SELECT COUNT(*) FROM {s}workflow_status"), Is.EqualTo(1), "the refused enqueue wrote nothing");
        Probe.Open("dedup-gate");
        Assert.That(await first.GetResultAsync(), Is.EqualTo("first"));
        var again = await DBOS.EnqueueAsync(queue, () => QueueWorkflows.Hold("again", "dedup-gate"), new WorkflowOptions { DeduplicationId = "order-7" });
        Assert.That(await again.GetResultAsync(), Is.EqualTo("again"));
    }

    [Test]
    public async Task A_delayed_workflow_is_DELAYED_and_dequeued_only_after_its_delay()
    {
        var queue = new WorkflowQueue("later") { PollingInterval = TimeSpan.FromMilliseconds(100) };
        await LaunchAsync(o => o.AddQueue(queue));
        var handle = await DBOS.EnqueueAsync(queue, () => QueueWorkflows.Echo("late"), new WorkflowOptions { WorkflowId = "delayed", Delay = TimeSpan.FromMilliseconds(400) });
        var row = (await QueryAsync("SELECT status, delay_until_epoch_ms, created_at FROM {s}workflow_status WHERE workflow_uuid = 'delayed'")).Single();
        Assert.That(row[0], Is.EqualTo(WorkflowStatuses.Delayed));
        var delayUntil = Convert.ToInt64(row[1], CultureInfo.InvariantCulture);
        Assert.That(delayUntil - Convert.ToInt64(row[2], CultureInfo.InvariantCulture), Is.EqualTo(400));
        Assert.That(await handle.GetResultAsync(), Is.EqualTo("late"));
        var started = Convert.ToInt64((await QueryAsync("SELECT started_at_epoch_ms FROM {s}workflow_status WHERE workflow_uuid = 'delayed'"))[0][0], CultureInfo.InvariantCulture);
        Assert.That(started, Is.GreaterThanOrEqualTo(delayUntil), "dequeued after its delay");
    }

    [Test]
    public async Task A_partitioned_queue_limits_each_partition_on_its_own()
    {
        var queue = new WorkflowQueue("tenants") { PartitionConcurrency = 1 };
        await LaunchAsync(o => o.AddQueue(queue));
        var handles = new System.Collections.Generic.List<WorkflowHandle<string>>();
        foreach (var tenant in new[] { "a", "b" })
        {
            for (var i = 0; i < 2; i++)
            {
                var label = $"{tenant}{i}";
                handles.Add(await DBOS.EnqueueAsync(queue, () => QueueWorkflows.Hold(label, "tenant-gate"), new WorkflowOptions { PartitionKey = tenant }));
            }
        }

        await EventuallyAsync(() => Task.FromResult(QueueWorkflows.Order.Count == 2), "one per partition runs");
        Assert.That(QueueWorkflows.Order.Select(l => l[0]).OrderBy(c => c), Is.EqualTo(new[] { 'a', 'b' }), "one of each partition");
        Assert.That(await CountStatusAsync(WorkflowStatuses.Enqueued), Is.EqualTo(2));
        Probe.Open("tenant-gate");
        await Task.WhenAll(handles.Select(h => h.GetResultAsync()));
        Assert.That(QueueWorkflows.MaxRunning, Is.EqualTo(2));
    }

    [Test]
    public async Task A_child_enqueued_by_a_workflow_is_a_durable_operation_with_a_derived_id()
    {
        await LaunchAsync(o => o.AddQueue(new WorkflowQueue("children")));
        string result;
        using (new SetWorkflowID("queue-parent"))
        {
            result = await QueueWorkflows.Parent("children");
        }

        Assert.That(result, Is.EqualTo("queue-parent-0:from the child"));
        var child = (await QueryAsync("SELECT function_name, child_workflow_id FROM {s}operation_outputs WHERE workflow_uuid = 'queue-parent' AND function_id = 0")).Single();
        Assert.That(child[1], Is.EqualTo("queue-parent-0"));
        Assert.That((await QueryAsync("SELECT queue_name FROM {s}workflow_status WHERE workflow_uuid = 'queue-parent-0'")).Single()[0], Is.EqualTo("children"));
    }

    [Test]
    public async Task Queue_options_without_a_queue_and_a_bad_priority_are_refused_before_anything_is_written()
    {
        await LaunchAsync();
        var noQueue = await Assert.ThrowsAsync<ArgumentException>(() => DBOS.StartWorkflowAsync(() => QueueWorkflows.Echo("x"), new WorkflowOptions { DeduplicationId = "d" }));
        Assert.That(noQueue!.Message, Does.Contain("DBOS.EnqueueAsync"));
        await Assert.ThrowsAsync<ArgumentException>(() => DBOS.EnqueueAsync("somewhere", () => QueueWorkflows.Echo("x"), new WorkflowOptions { Priority = -1 }));
        Assert.Throws<ArgumentException>(() => new DbosOptions().AddQueue(new WorkflowQueue("w") { WorkerConcurrency = 5, Concurrency = 2 }));
        Assert.That(await CountAsync("SELECT COUNT(*) FROM {s}workflow_status"), Is.Zero);
    }

    [Test]
    public async Task A_workflow_enqueued_with_the_DBOS_SQL_function_is_run_by_this_executor()
    {
        if (!IsPostgres)
        {
            Assert.Ignore("dbos.enqueue_workflow is a PostgreSQL function.");
        }

        await LaunchAsync();
        await QueryAsync("SELECT dbos.enqueue_workflow('Echo', '_dbos_internal_queue', ARRAY['\"from SQL\"'::json], workflow_id => 'sql-enqueued', class_name => 'QueueWorkflows')");
        var handle = await DBOS.RetrieveWorkflowAsync<string>("sql-enqueued");
        Assert.That(await handle.GetResultAsync(), Is.EqualTo("from SQL"));
    }
}
