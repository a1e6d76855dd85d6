using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NUnit.Framework;

namespace Dbos.Tests;

public sealed class WorkflowTests(string engine) : EngineTest(engine)
{
    [Test]
    public async Task Steps_are_checkpointed_in_call_order_with_zero_based_function_ids()
    {
        await LaunchAsync();
        string result;
        using (new SetWorkflowID("three-steps"))
        {
            result = await BasicWorkflows.ThreeSteps(5);
        }

        Assert.That(result, Is.EqualTo("r12"));
        var steps = await QueryAsync("SELECT function_id, function_name, output, error, serialization FROM {s}operation_outputs WHERE workflow_uuid = @p1 ORDER BY function_id", "three-steps");
        Assert.That(steps.Select(s => Convert.ToInt32(s[0], System.Globalization.CultureInfo.InvariantCulture)), Is.EqualTo(new[] { 0, 1, 2 }));
        Assert.That(steps.Select(s => s[1]), Is.EqualTo(new[] { "StepA", "StepB", "StepC" }));
        Assert.That(steps.Select(s => s[2]), Is.EqualTo(new[] { "6", "12", "\"r12\"" }));
        Assert.That(steps.All(s => s[3] is null && (string?)s[4] == "portable_json"));

        var status = await QueryAsync(
            "SELECT ws.status, ws.name, ws.class_name, ws.recovery_attempts, ws.serialization, wi.inputs, wo.output, ws.inputs, ws.output FROM {s}workflow_status ws " +
            "JOIN {s}workflow_input wi ON wi.workflow_uuid = ws.workflow_uuid JOIN {s}workflow_output wo ON wo.workflow_uuid = ws.workflow_uuid WHERE ws.workflow_uuid = @p1", "three-steps");
        Assert.That(status, Has.Count.EqualTo(1));
        var row = status[0];
        Assert.That(row[0], Is.EqualTo("SUCCESS"));
        Assert.That(row[1], Is.EqualTo("ThreeSteps"));
        Assert.That(row[2], Is.EqualTo("BasicWorkflows"));
        Assert.That(Convert.ToInt64(row[3], System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(1));
        Assert.That(row[4], Is.EqualTo("portable_json"));
        Assert.That(row[5], Is.EqualTo("{\"positionalArgs\":[5],\"namedArgs\":{}}"));
        Assert.That(row[6], Is.EqualTo("\"r12\""));
        Assert.That(row[7], Is.Null, "DBOS 5 leaves the legacy inputs column empty");
        Assert.That(row[8], Is.Null, "DBOS 5 leaves the legacy output column empty");
    }

    [Test]
    public async Task Calling_an_existing_workflow_id_returns_its_result_without_running_it_again()
    {
        await LaunchAsync();
        using (new SetWorkflowID("once"))
        {
            Assert.That(await BasicWorkflows.ThreeSteps(1), Is.EqualTo("r4"));
        }

        using (new SetWorkflowID("once"))
        {
            Assert.That(await BasicWorkflows.ThreeSteps(1), Is.EqualTo("r4"));
        }

        Assert.That(Probe.Count("A") + Probe.Count("B") + Probe.Count("C"), Is.EqualTo(3));
        Assert.That(await CountAsync("SELECT COUNT(*) FROM {s}workflow_status"), Is.EqualTo(1));
    }

    [Test]
    public async Task SetWorkflowID_applies_to_the_first_workflow_in_its_scope_only()
    {
        await LaunchAsync();
        using (new SetWorkflowID("first-only"))
        {
            await BasicWorkflows.ThreeSteps(1);
            await BasicWorkflows.ThreeSteps(2);
        }

        var ids = (await QueryAsync("SELECT workflow_uuid FROM {s}workflow_status")).Select(r => (string)r[0]!).ToList();
        Assert.That(ids, Has.Count.EqualTo(2));
        Assert.That(ids, Does.Contain("first-only"));
        Assert.That(ids.Single(id => id != "first-only"), Is.Not.Empty);
    }

    [Test]
    public async Task A_workflow_id_used_by_another_workflow_raises_the_conflicting_workflow_error()
    {
        await LaunchAsync();
        using (new SetWorkflowID("taken"))
        {
            await BasicWorkflows.ThreeSteps(1);
        }

        using (new SetWorkflowID("taken"))
        {
            var error = await Assert.ThrowsAsync<ConflictingWorkflowException>(() => BasicWorkflows.Echo(new Payload("x", 1, new List<string>())));
            Assert.That(error!.ErrorCode, Is.EqualTo(DbosErrorCode.ConflictingWorkflow));
            Assert.That(error.Message, Does.Contain("ThreeSteps").And.Contain("Echo"));
        }
    }

    [TestCase("")]
    [TestCase("   ")]
    [TestCase("tab\tinside")]
    public async Task Invalid_workflow_ids_are_rejected_before_anything_is_written(string id)
    {
        await LaunchAsync();
        Assert.Throws<ArgumentException>(() => _ = new SetWorkflowID(id));
        Assert.That(await CountAsync("SELECT COUNT(*) FROM {s}workflow_status"), Is.Zero);
    }

    [Test]
    public async Task Workflow_ids_with_an_unpaired_surrogate_are_rejected_before_anything_is_written()
    {
        await LaunchAsync();
        // Built in code: an attribute argument cannot hold an unpaired surrogate.
        foreach (var id in new[] { "wf-\uD800", "\uDC00-wf", "wf-\uD83D", "wf-\uDE00\uD83D", "wf-\0" })
        {
            var error = Assert.Throws<ArgumentException>(() => _ = new SetWorkflowID(id), id);
            Assert.That(error!.Message, Does.Contain("A workflow ID").And.Contain("U+"), id);
        }

        Assert.That(await CountAsync("SELECT COUNT(*) FROM {s}workflow_status"), Is.Zero);
        await Assert.ThrowsAsync<ArgumentException>(() => DBOS.RetrieveWorkflowAsync<string>("wf-\uD800"));
    }

    [Test]
    public async Task A_workflow_id_with_characters_beyond_the_basic_plane_is_stored_exactly()
    {
        await LaunchAsync();
        const string id = "wf-\uD83D\uDE00-\uD83D\uDE01"; // two emoji: the IDs differ only in their last surrogate pair
        using (new SetWorkflowID(id))
        {
            Assert.That(await BasicWorkflows.ThreeSteps(1), Is.EqualTo("r4"));
        }

        using (new SetWorkflowID("wf-\uD83D\uDE00-\uD83D\uDE02"))
        {
            Assert.That(await BasicWorkflows.ThreeSteps(2), Is.EqualTo("r6"));
        }

        var ids = (await QueryAsync("SELECT workflow_uuid FROM {s}workflow_status ORDER BY workflow_uuid")).Select(r => (string)r[0]!).ToList();
        Assert.That(ids, Is.EqualTo(new[] { id, "wf-\uD83D\uDE00-\uD83D\uDE02" }));
    }

    [Test]
    public async Task An_over_long_workflow_id_is_rejected()
    {
        await LaunchAsync();
        var error = Assert.Throws<ArgumentException>(() => _ = new SetWorkflowID(new string('x', SetWorkflowID.MaxLength + 1)));
        Assert.That(error!.Message, Does.Contain(SetWorkflowID.MaxLength.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.That(await CountAsync("SELECT COUNT(*) FROM {s}workflow_status"), Is.Zero);
    }

    [Test]
    public async Task An_argument_that_cannot_be_serialized_fails_at_the_call_and_writes_nothing()
    {
        await LaunchAsync();
        var error = await Assert.ThrowsAsync<DbosSerializationException>(() => BasicWorkflows.TakesDelegate(() => 1));
        Assert.That(error!.Message, Does.Contain("TakesDelegate").And.Contain("System.Func"));
        Assert.That(await CountAsync("SELECT COUNT(*) FROM {s}workflow_status"), Is.Zero);
    }

    [Test]
    public async Task Records_round_trip_through_portable_json()
    {
        await LaunchAsync();
        var result = await BasicWorkflows.Echo(new Payload("box", 41, new List<string> { "a", "b" }));
        Assert.That(result.Name, Is.EqualTo("box"));
        Assert.That(result.Count, Is.EqualTo(42));
        Assert.That(result.Tags, Is.EqualTo(new[] { "a", "b" }));
        var stored = (string)(await QueryAsync("SELECT inputs FROM {s}workflow_input"))[0][0]!;
        using var json = JsonDocument.Parse(stored);
        Assert.That(json.RootElement.GetProperty("positionalArgs")[0].GetProperty("name").GetString(), Is.EqualTo("box"));
    }

    [Test]
    public async Task Step_retries_follow_the_attribute_and_exhaustion_raises_max_step_retries_with_every_error()
    {
        await LaunchAsync();
        Assert.That(await BasicWorkflows.Retrying("flaky-ok", 2), Is.EqualTo(3));

        var error = await Assert.ThrowsAsync<MaxStepRetriesExceededException>(() => BasicWorkflows.Retrying("flaky-never", 5));
        Assert.That(error!.MaxAttempts, Is.EqualTo(3));
        Assert.That(error.Errors, Has.Count.EqualTo(3));
        Assert.That(error.Errors.Select(e => e.Message), Is.EqualTo(new[] { "attempt 1 failed", "attempt 2 failed", "attempt 3 failed" }));
        Assert.That(error.Errors, Is.All.InstanceOf<TimeoutException>());
        Assert.That(Probe.Count("flaky-never"), Is.EqualTo(3));
    }

    [Test]
    public async Task Sync_void_and_ValueTask_workflows_and_steps_are_durable()
    {
        await LaunchAsync();
        Assert.That(BasicWorkflows.SyncWorkflow(1), Is.EqualTo(21));
        BasicWorkflows.VoidWorkflow("void-key");
        Assert.That(await BasicWorkflows.ValueTaskWorkflow(4), Is.EqualTo(12));
        Assert.That(Probe.Count("sync"), Is.EqualTo(2));
        Assert.That(Probe.Count("void-key"), Is.EqualTo(1));
        Assert.That(await CountAsync("SELECT COUNT(*) FROM {s}workflow_status WHERE status = 'SUCCESS'"), Is.EqualTo(3));
        Assert.That(await CountAsync("SELECT COUNT(*) FROM {s}operation_outputs"), Is.EqualTo(4));
    }

    [Test]
    public async Task Steps_called_outside_a_workflow_are_plain_calls()
    {
        await LaunchAsync();
        Assert.That(await BasicWorkflows.StepA(1), Is.EqualTo(2));
        Assert.That(await CountAsync("SELECT COUNT(*) FROM {s}operation_outputs"), Is.Zero);
        Assert.That(await CountAsync("SELECT COUNT(*) FROM {s}workflow_status"), Is.Zero);
    }

    [Test]
    public async Task Concurrent_steps_get_function_ids_in_call_order()
    {
        await LaunchAsync();
        string id = "concurrent";
        using (new SetWorkflowID(id))
        {
            Assert.That(await BasicWorkflows.ConcurrentSteps(8), Is.EqualTo(Enumerable.Range(0, 8).Select(i => i * i)));
        }

        var outputs = (await QueryAsync("SELECT function_id, output FROM {s}operation_outputs WHERE workflow_uuid = @p1 ORDER BY function_id", id))
            .Select(r => (Convert.ToInt32(r[0], System.Globalization.CultureInfo.InvariantCulture), (string)r[1]!)).ToList();
        Assert.That(outputs, Is.EqualTo(Enumerable.Range(0, 8).Select(i => (i, (i * i).ToString(System.Globalization.CultureInfo.InvariantCulture)))));
    }

    [Test]
    public async Task Child_workflows_get_parent_id_dash_function_id_and_are_recorded_in_the_parent()
    {
        await LaunchAsync();
        string result;
        using (new SetWorkflowID("parent"))
        {
            result = await BasicWorkflows.Parent(2);
        }

        Assert.That(result, Is.EqualTo("0@parent-0,1@parent-1"));
        var children = await QueryAsync("SELECT function_id, function_name, child_workflow_id FROM {s}operation_outputs WHERE workflow_uuid = 'parent' ORDER BY function_id");
        Assert.That(children.Select(c => (string?)c[2]), Is.EqualTo(new[] { "parent-0", "parent-1" }));
        Assert.That(children.Select(c => (string?)c[1]), Is.EqualTo(new[] { "Child", "Child" }));
        var parents = await QueryAsync("SELECT parent_workflow_id FROM {s}workflow_status WHERE workflow_uuid = 'parent-1'");
        Assert.That(parents[0][0], Is.EqualTo("parent"));
    }

    [Test]
    public async Task StartWorkflow_returns_a_handle_once_the_workflow_is_recorded()
    {
        var runtime = await LaunchAsync();
        WorkflowHandle<string> handle;
        using (new SetWorkflowID("started"))
        {
            handle = await DBOS.StartWorkflowAsync(() => BasicWorkflows.Gated("start-gate"));
        }

        Assert.That(handle.WorkflowId, Is.EqualTo("started"));
        var status = await handle.GetStatusAsync();
        Assert.That(status!.Status, Is.EqualTo(WorkflowStatuses.Pending));
        Assert.That(status.Name, Is.EqualTo("Gated"));
        Assert.That(status.ExecutorId, Is.EqualTo("local"));
        Assert.That(status.ApplicationVersion, Is.EqualTo(runtime.ApplicationVersion));

        Probe.Open("start-gate");
        Assert.That(await handle.GetResultAsync(), Is.EqualTo("first,second"));
        Assert.That((await handle.GetStatusAsync())!.Status, Is.EqualTo(WorkflowStatuses.Success));

        var retrieved = await DBOS.RetrieveWorkflowAsync<string>("started");
        Assert.That(retrieved.GetResult(), Is.EqualTo("first,second"));
    }

    [Test]
    public async Task StartWorkflow_of_a_lambda_without_a_workflow_call_is_an_argument_error()
    {
        await LaunchAsync();
        var error = await Assert.ThrowsAsync<ArgumentException>(() => DBOS.StartWorkflowAsync(() => Task.FromResult(1)));
        Assert.That(error!.Message, Does.Contain("[Workflow]"));
    }

    [Test]
    public async Task StartWorkflow_of_a_durable_method_group_is_refused_before_its_body_runs()
    {
        await LaunchAsync();
#pragma warning disable DBOS010 // deliberately a method group: a test checks that the runtime refuses it before the body runs
        var workflow = await Assert.ThrowsAsync<ArgumentException>(() => DBOS.StartWorkflowAsync(BasicWorkflows.CountsItsRuns));
        var step = await Assert.ThrowsAsync<ArgumentException>(() => DBOS.StartWorkflowAsync(BasicWorkflows.CountsItsStepRuns));
#pragma warning restore DBOS010

        Assert.That(workflow!.Message, Does.Contain("[Workflow] method 'BasicWorkflows.CountsItsRuns'").And.Contain("() => CountsItsRuns(...)").And.Contain("DBOS010"));
        Assert.That(step!.Message, Does.Contain("[Step] method 'BasicWorkflows.CountsItsStepRuns'"));
        Assert.That(Probe.Count("counts-its-runs") + Probe.Count("counts-its-step-runs"), Is.Zero, "neither body ran");
        Assert.That(await CountAsync("SELECT COUNT(*) FROM {s}workflow_status"), Is.Zero);

        var handle = await DBOS.StartWorkflowAsync(() => BasicWorkflows.CountsItsRuns());
        Assert.That(await handle.GetResultAsync(), Is.EqualTo("ran"));
        Assert.That(Probe.Count("counts-its-runs"), Is.EqualTo(1));
    }

    [Test]
    public async Task RetrieveWorkflow_of_an_unknown_id_raises_non_existent_workflow_or_waits_for_it()
    {
        await LaunchAsync();
        await Assert.ThrowsAsync<NonExistentWorkflowException>(() => DBOS.RetrieveWorkflowAsync<string>("nobody"));

        var waiting = DBOS.RetrieveWorkflowAsync<string>("later", existingWorkflow: false);
        await Task.Delay(100);
        Assert.That(waiting.IsCompleted, Is.False);
        using (new SetWorkflowID("later"))
        {
            await BasicWorkflows.ThreeSteps(2);
        }

        Assert.That(await (await waiting).GetResultAsync(), Is.EqualTo("r6"));
    }

    [Test]
    public async Task WorkflowId_is_available_in_workflows_and_steps_and_an_error_elsewhere()
    {
        await LaunchAsync();
        using (new SetWorkflowID("who-am-i"))
        {
            Assert.That(await BasicWorkflows.WorkflowIdInside(), Is.EqualTo("who-am-i"));
        }

        using (new SetWorkflowID("who-am-i-step"))
        {
            Assert.That(await BasicWorkflows.WorkflowIdFromStep(), Is.EqualTo("who-am-i-step"));
        }

        var error = Assert.Throws<InvalidOperationException>(() => _ = DBOS.WorkflowId);
        Assert.That(error!.Message, Does.Contain("inside a workflow"));
    }

    [Test]
    public async Task A_workflow_error_is_recorded_and_rethrown_to_later_callers()
    {
        await LaunchAsync();
        using (new SetWorkflowID("fails"))
        {
            await Assert.ThrowsAsync<MaxStepRetriesExceededException>(() => BasicWorkflows.Retrying("always", 10));
        }

        Assert.That(await StatusAsync("fails"), Is.EqualTo(WorkflowStatuses.Error));
        using (new SetWorkflowID("fails"))
        {
            var again = await Assert.ThrowsAsync<MaxStepRetriesExceededException>(() => BasicWorkflows.Retrying("always", 10));
            Assert.That(again!.Errors, Has.Count.EqualTo(3));
        }

        Assert.That(Probe.Count("always"), Is.EqualTo(3), "the failed workflow is not run again");
        var error = (string)(await QueryAsync("SELECT error FROM {s}workflow_output WHERE workflow_uuid = 'fails'"))[0][0]!;
        using var json = JsonDocument.Parse(error);
        Assert.That(json.RootElement.GetProperty("name").GetString(), Is.EqualTo("Dbos.MaxStepRetriesExceededException"));
        Assert.That(json.RootElement.GetProperty("code").GetInt32(), Is.EqualTo(7));
    }

    [Test]
    public async Task Instance_workflows_get_constructor_injection_and_typed_clients_from_AddDbos()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton<IGreeter, Greeter>();
        builder.Services.AddDbos(options =>
        {
            options.SystemDatabaseUrl = Database;
            options.ShutdownTimeout = TimeSpan.Zero;
        });
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var client = host.Services.GetRequiredService<IGreetingWorkflowsClient>();
            Assert.That(await client.GreetAsync("ada"), Is.EqualTo("hello ada!"));

            var handle = await client.StartGreetAsync("bob");
            Assert.That(await handle.GetResultAsync(), Is.EqualTo("hello bob!"));

            var workflows = host.Services.GetRequiredService<GreetingWorkflows>();
            Assert.That(await workflows.Greet("cy"), Is.EqualTo("hello cy!"));
            Assert.That(await CountAsync("SELECT COUNT(*) FROM {s}workflow_status WHERE status = 'SUCCESS'"), Is.EqualTo(3));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Test]
    public async Task Several_runtimes_in_one_process_stay_independent()
    {
        var first = await LaunchAsync();
        var otherDatabase = IsPostgres ? await TestDatabases.CreatePostgresDatabaseAsync("second") : TestDatabases.NewSqliteFile("second");
        var second = await LaunchAsync(o => o.SystemDatabaseUrl = otherDatabase);

        using (first.Use())
        using (new SetWorkflowID("in-first"))
        {
            await BasicWorkflows.ThreeSteps(1);
        }

        using (second.Use())
        using (new SetWorkflowID("in-second"))
        {
            await BasicWorkflows.ThreeSteps(2);
        }

        Assert.That((await QueryAsync("SELECT workflow_uuid FROM {s}workflow_status")).Select(r => r[0]), Is.EqualTo(new[] { "in-first" }));
        Assert.That((await QueryOnAsync(otherDatabase, "SELECT workflow_uuid FROM {s}workflow_status")).Select(r => r[0]), Is.EqualTo(new[] { "in-second" }));
        Assert.That(await first.GetWorkflowStatusAsync("in-second"), Is.Null);
    }
}
