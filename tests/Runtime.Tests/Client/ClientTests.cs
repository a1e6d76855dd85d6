using System;
using System.Linq;
using System.Threading.Tasks;
using Dbos.TestApp;
using NUnit.Framework;

namespace Dbos.Tests;

/// <summary>A <see cref="DbosClient"/> in this process drives workflows that a worker process (tests/TestApp, mode worker) runs.</summary>
public sealed class ClientTests(string engine) : EngineTest(engine)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(90);
    private TestApp? _worker;
    private int _workerPid;

    [TearDown]
    public async Task StopWorker()
    {
        if (_worker is not null)
        {
            await _worker.StopAsync(TimeSpan.FromSeconds(20));
            _worker.Dispose();
            _worker = null;
        }
    }

    /// <summary>Starts the worker (it migrates the database) and connects a client.</summary>
    private async Task<DbosClient> StartWorkerAndConnectAsync()
    {
        _worker = TestApp.Start("worker", Database, "worker-1");
        _workerPid = int.Parse(await _worker.WaitForLineAsync("READY ", Wait), System.Globalization.CultureInfo.InvariantCulture);
        return await DbosClient.ConnectAsync(Options());
    }

    [Test]
    public async Task Enqueue_by_name_and_through_the_typed_client_runs_in_the_worker()
    {
        await using var client = await StartWorkerAndConnectAsync();

        var byName = await client.EnqueueAsync<string>(new EnqueueRequest(WorkerMode.Queue, "Greet", "ClientWorkflows") { WorkflowId = "by-name" }, "ada", 3);
        var typed = await ClientWorkflowsClient.For(client).EnqueueGreetAsync("bob", 2, new WorkflowOptions { Queue = WorkerMode.Queue, WorkflowId = "typed" });
        var noClass = await client.EnqueueAsync<string>(new EnqueueRequest(WorkerMode.Queue, "Greet") { WorkflowId = "no-class" }, "cy", 1);

        Assert.That(await byName.GetResultAsync(), Is.EqualTo($"adax3@{_workerPid}"));
        Assert.That(await typed.GetResultAsync(), Is.EqualTo($"bobx2@{_workerPid}"));
        Assert.That(await noClass.GetResultAsync(), Is.EqualTo($"cyx1@{_workerPid}"));
        Assert.That(_workerPid, Is.Not.EqualTo(Environment.ProcessId));

        // As DBOS clients write them: NULL class when none was given, inputs as portable JSON; the worker claimed them.
        var rows = await QueryAsync("SELECT workflow_uuid, class_name, executor_id, status, queue_name, serialization FROM {s}workflow_status ORDER BY workflow_uuid");
        Assert.That(rows.Select(r => $"{r[0]}|{r[1] ?? "NULL"}|{r[2]}|{r[3]}|{r[4]}|{r[5]}"), Is.EqualTo(new[]
        {
            "by-name|ClientWorkflows|worker-1|SUCCESS|client-queue|portable_json",
            "no-class|NULL|worker-1|SUCCESS|client-queue|portable_json",
            "typed|ClientWorkflows|worker-1|SUCCESS|client-queue|portable_json",
        }));
        var status = await typed.GetStatusAsync();
        Assert.That(status!.Status, Is.EqualTo("SUCCESS"));
        Assert.That(status.ExecutorId, Is.EqualTo("worker-1"));
    }

    [Test]
    public async Task A_typed_client_bound_to_a_DbosClient_refuses_to_start_or_run_and_records_nothing()
    {
        await using var client = await StartWorkerAndConnectAsync();
        var typed = ClientWorkflowsClient.For(client);

        using (new SetWorkflowID("not-started"))
        {
            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => typed.StartGreetAsync("x", 1));
            Assert.That(error!.Message, Does.Contain("A DbosClient runs no workflows"));
        }

        await Assert.ThrowsAsync<InvalidOperationException>(() => typed.GreetAsync("x", 1));
        Assert.That(await QueryAsync("SELECT 1 FROM {s}workflow_status"), Is.Empty);
    }

    [Test]
    public async Task Send_events_results_and_values_cross_between_client_and_worker()
    {
        await using var client = await StartWorkerAndConnectAsync();
        var handle = await ClientWorkflowsClient.For(client).EnqueueConverseAsync("hello", new WorkflowOptions { Queue = WorkerMode.Queue, WorkflowId = "conversation" });

        Assert.That(await client.GetEventAsync<string>("conversation", "status", Wait), Is.EqualTo("waiting"));
        await client.SendAsync("conversation", "world", "reply", idempotencyKey: "once");
        await client.SendAsync("conversation", "world", "reply", idempotencyKey: "once"); // a retry delivers once
        Assert.That(await handle.GetResultAsync(), Is.EqualTo("hello world"));
        Assert.That(await client.GetEventAsync<string>("conversation", "status", TimeSpan.Zero), Is.EqualTo("done"));
        Assert.That((await QueryAsync("SELECT 1 FROM {s}notifications WHERE destination_uuid = 'conversation'")).Count, Is.EqualTo(1), "the retried send stored one message");

        var record = await client.EnqueueAsync(new EnqueueRequest(WorkerMode.Queue, "Record", "ClientWorkflows") { WorkflowId = "record" }, new Order("pen", 2));
        await record.WaitAsync();
        Assert.That(await client.GetEventAsync<Order>("record", "order", TimeSpan.Zero), Is.EqualTo(new Order("pen", 4)));

        var retrieved = await client.RetrieveWorkflowAsync<string>("conversation");
        Assert.That(await retrieved.GetResultAsync(), Is.EqualTo("hello world"));
        await Assert.ThrowsAsync<NonExistentWorkflowException>(() => client.RetrieveWorkflowAsync<string>("nobody"));
        await Assert.ThrowsAsync<NonExistentWorkflowException>(() => client.SendAsync("nobody", "x"));
    }

    [Test]
    public async Task Management_calls_list_cancel_resume_fork_delete_and_collect()
    {
        await using var client = await StartWorkerAndConnectAsync();
        var typed = ClientWorkflowsClient.For(client);
        var done = await typed.EnqueueGreetAsync("ada", 1, new WorkflowOptions { Queue = WorkerMode.Queue, WorkflowId = "done" });
        await done.GetResultAsync();
        var stuck = await typed.EnqueueConverseAsync("hi", new WorkflowOptions { Queue = WorkerMode.Queue, WorkflowId = "stuck" });
        Assert.That(await client.GetEventAsync<string>("stuck", "status", Wait), Is.EqualTo("waiting"));

        var listed = await client.ListWorkflowsAsync(new WorkflowFilter { Name = "Converse" });
        Assert.That(listed.Select(w => (w.WorkflowId, w.Status)), Is.EqualTo(new[] { ("stuck", "PENDING") }));
        Assert.That((await client.ListQueuedWorkflowsAsync(new WorkflowFilter { QueueName = WorkerMode.Queue })).Select(w => w.WorkflowId), Is.EqualTo(new[] { "stuck" }));
        var steps = await client.ListWorkflowStepsAsync("done");
        Assert.That(steps.Select(s => s.Name), Is.EqualTo(new[] { "WhereAmI" }));
        Assert.That(steps[0].GetOutput<int>(), Is.EqualTo(_workerPid));

        await client.CancelWorkflowAsync("stuck");
        Assert.That((await client.GetWorkflowStatusAsync("stuck"))!.Status, Is.EqualTo("CANCELLED"));
        await Assert.ThrowsAsync<AwaitedWorkflowCancelledException>(() => stuck.GetResultAsync());

        var resumed = await client.ResumeWorkflowAsync<string>("stuck");
        await client.SendAsync("stuck", "again", "reply");
        Assert.That(await resumed.GetResultAsync(), Is.EqualTo("hi again"));

        // A fork past the last step replays every recorded operation: the same result, run again by the worker.
        var stuckSteps = await client.ListWorkflowStepsAsync("stuck");
        var fork = await client.ForkWorkflowAsync<string>("stuck", stuckSteps.Count, new WorkflowOptions { WorkflowId = "stuck-fork" });
        Assert.That(await fork.GetResultAsync(), Is.EqualTo("hi again"));
        Assert.That((await client.GetWorkflowStatusAsync("stuck-fork"))!.ForkedFrom, Is.EqualTo("stuck"));

        await client.DeleteWorkflowAsync("stuck-fork");
        Assert.That(await client.GetWorkflowStatusAsync("stuck-fork"), Is.Null);
        await Assert.ThrowsAsync<NonExistentWorkflowException>(() => client.CancelWorkflowAsync("stuck-fork"));

        Assert.That(await client.GarbageCollectAsync(keepRows: 1), Is.EqualTo(1));
        Assert.That((await client.ListWorkflowsAsync()).Select(w => w.WorkflowId), Is.EqualTo(new[] { "stuck" }));
    }

    [Test]
    public async Task The_client_never_creates_or_migrates_the_schema()
    {
        var error = await Assert.ThrowsAsync<DbosInitializationException>(() => DbosClient.ConnectAsync(Options()));
        Assert.That(error!.Message, Does.Contain("has no DBOS schema").And.Contain("dbos migrate"));
        if (!IsPostgres)
        {
            Assert.That(System.IO.File.Exists(Database), Is.False, "no SQLite file was created");
        }
        else
        {
            Assert.That(await QueryAsync("SELECT 1 FROM information_schema.schemata WHERE schema_name = 'dbos'"), Is.Empty);
        }

        await DbosClient.MigrateAsync(Options(), default);
        await QueryAsync("UPDATE {s}dbos_migrations SET version = 108");
        error = await Assert.ThrowsAsync<DbosInitializationException>(() => DbosClient.ConnectAsync(Options()));
        Assert.That(error!.Message, Does.Contain("migration version 108"));
        Assert.That(await QueryAsync("SELECT version FROM {s}dbos_migrations"), Is.EqualTo(new[] { new object?[] { 108L } }));

        // Once the schema is current, the same client object connects at its next call (a failed connect is not kept).
        await using var client = new DbosClient(Options());
        await Assert.ThrowsAsync<DbosInitializationException>(() => client.ListWorkflowsAsync());
        await QueryAsync("UPDATE {s}dbos_migrations SET version = 123");
        Assert.That(await client.ListWorkflowsAsync(), Is.Empty);
    }

    [Test]
    public async Task An_unreachable_database_fails_with_the_runtime_message()
    {
        if (!IsPostgres)
        {
            Assert.Ignore("PostgreSQL only: a SQLite file is always reachable.");
        }

        var options = new DbosOptions { SystemDatabaseUrl = "postgresql://dbos:secret@127.0.0.1:1/nowhere", ConnectTimeout = TimeSpan.FromSeconds(2) };
        var error = await Assert.ThrowsAsync<DbosInitializationException>(() => DbosClient.ConnectAsync(options));
        Assert.That(error!.Message, Does.StartWith("Could not connect to the DBOS system database").And.Not.Contain("secret"));
    }
}
