using System;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;

namespace Dbos.Testing.Tests;

public sealed class ReplayTests(string engine) : EngineTest(engine)
{
    private static void WithPayments(DbosTestOptions options) => options.Services.AddSingleton<IPayments>(new RecordingPayments());

    private async Task<(DbosTestEnvironment Env, string WorkflowId, string Order)> RecordCheckoutAsync()
    {
        var env = await StartAsync(WithPayments);
        var order = "replay-" + Engine + "-" + Guid.NewGuid().ToString("N");
        var handle = await env.GetRequiredService<ICheckoutClient>().StartRunAsync(order, 7m);
        await handle.GetResultAsync();
        return (env, handle.WorkflowId, order);
    }

    [Test]
    public async Task A_recorded_workflow_replays_against_the_same_code_without_running_its_steps()
    {
        var (env, workflowId, order) = await RecordCheckoutAsync();
        await using var owned = env;
        var history = await WorkflowHistory.LoadAsync(env.Runtime, workflowId);
        Assert.That(history.Steps.Select(s => s.Name), Is.EqualTo(new[] { "Reserve", "Charge", "Ship" }));
        Assert.That(history.Status, Is.EqualTo("SUCCESS"));

        var result = await WorkflowReplayer.ReplayAsync(history, WithPayments);
        Assert.That(result.IsSame, Is.True, result.Message);
        Assert.That(result.OperationsReplayed, Is.EqualTo(3));
        Assert.That(Runs.Count("charge-" + order), Is.EqualTo(1), "the replay returned the recorded outputs and ran no step");
        await WorkflowReplayer.AssertReplaysAsync(history, WithPayments);
    }

    [Test]
    public async Task A_history_read_from_the_database_file_or_url_is_the_one_the_management_api_lists()
    {
        var (env, workflowId, _) = await RecordCheckoutAsync();
        await using var owned = env;
        var viaRuntime = await WorkflowHistory.LoadAsync(env.Runtime, workflowId);
        var viaDatabase = await WorkflowHistory.LoadFromDatabaseAsync(env.SystemDatabaseUrl, workflowId);
        Assert.That(viaDatabase.ToJson(), Is.EqualTo(viaRuntime.ToJson()));
        Assert.That(viaDatabase.SerializedInput, Does.Contain("replay-"));
        await Assert.ThrowsAsync<NonExistentWorkflowException>(() => WorkflowHistory.LoadFromDatabaseAsync(env.SystemDatabaseUrl, "no-such-workflow"));
    }

    [Test]
    public async Task A_changed_step_is_reported_at_its_function_id()
    {
        var (env, workflowId, _) = await RecordCheckoutAsync();
        await using var owned = env;
        var recorded = await WorkflowHistory.LoadAsync(env.Runtime, workflowId);
        // As the previous version of the code recorded it: "Authorize" where the code now calls "Charge".
        var old = Rename(recorded, 1, "Authorize");

        var result = await WorkflowReplayer.ReplayAsync(old, WithPayments);
        Assert.That(result.IsSame, Is.False);
        Assert.That((result.FunctionId, result.RecordedName, result.NewName), Is.EqualTo((1, "Authorize", "Charge")));
        Assert.That(result.Error, Is.TypeOf<UnexpectedStepException>());
        var error = await Assert.ThrowsAsync<WorkflowReplayException>(() => WorkflowReplayer.AssertReplaysAsync(old, WithPayments));
        Assert.That(error!.Message, Does.Contain("recorded Authorize at function id 1, where the new code calls Charge"));
    }

    [Test]
    public async Task A_recorded_operation_the_new_code_no_longer_calls_is_reported()
    {
        var (env, workflowId, _) = await RecordCheckoutAsync();
        await using var owned = env;
        var recorded = await WorkflowHistory.LoadAsync(env.Runtime, workflowId);
        var withRefund = new WorkflowHistory(recorded.WorkflowId, recorded.Name, recorded.ClassName, recorded.Status, recorded.ApplicationVersion, recorded.Serialization,
            recorded.SerializedInput, recorded.Steps.Append(new WorkflowStep(3, "Refund", null, null, null) { SerializedOutput = "null", Serialization = "portable_json" }));

        var result = await WorkflowReplayer.ReplayAsync(withRefund, WithPayments);
        Assert.That(result.IsSame, Is.False);
        Assert.That((result.FunctionId, result.RecordedName, result.NewName), Is.EqualTo((3, "Refund", (string?)null)));
        Assert.That(result.Message, Does.Contain("returns after 3 operations"));
    }

    [Test]
    public async Task An_in_flight_workflow_replays_up_to_where_it_stopped_and_runs_nothing_beyond()
    {
        var payments = new RecordingPayments();
        await using var env = await StartAsync(o => o.Services.AddSingleton<IPayments>(payments));
        var order = "inflight-" + Engine + "-" + Guid.NewGuid().ToString("N");
        var client = env.GetRequiredService<ICheckoutClient>();
        var crash = await env.RunUntilCrashAsync(CrashPoint.BeforeStep("Ship"), () => client.StartRunAsync(order, 3m));
        var history = await WorkflowHistory.LoadFromDatabaseAsync(env.SystemDatabaseUrl, crash.WorkflowId);
        Assert.That(history.Status, Is.EqualTo("PENDING"));

        var result = await WorkflowReplayer.ReplayAsync(history, WithPayments);
        Assert.That(result.IsSame, Is.True, result.Message);
        Assert.That(result.OperationsReplayed, Is.EqualTo(2));
        Assert.That(Runs.Count("ship-" + order), Is.EqualTo(0), "the replay stopped at the end of the history instead of shipping");
    }

    [Test]
    public async Task A_replay_stops_at_a_child_workflow_which_has_its_own_history()
    {
        await using var env = await StartAsync();
        var key = "family-" + Engine + "-" + Guid.NewGuid().ToString("N");
        var handle = await env.GetRequiredService<IFamilyClient>().StartParentAsync(key);
        Assert.That(await handle.GetResultAsync(), Is.EqualTo("parent+child"));
        var history = await WorkflowHistory.LoadAsync(env.Runtime, handle.WorkflowId);
        var child = history.Steps.Single(s => s.ChildWorkflowId is not null);

        var result = await WorkflowReplayer.ReplayAsync(history);
        Assert.That(result.IsSame, Is.True, result.Message);
        Assert.That(result.Message, Does.Contain("up to child workflow " + child.ChildWorkflowId));
        Assert.That((await WorkflowReplayer.ReplayAsync(await WorkflowHistory.LoadAsync(env.Runtime, child.ChildWorkflowId!))).IsSame, Is.True);
        Assert.That(Runs.Count("note-child-" + key), Is.EqualTo(1), "the replay ran no step of the child");
    }

    private static WorkflowHistory Rename(WorkflowHistory history, int functionId, string name)
        => new(history.WorkflowId, history.Name, history.ClassName, history.Status, history.ApplicationVersion, history.Serialization, history.SerializedInput,
            history.Steps.Select(s => s.FunctionId == functionId ? s with { Name = name } : s));
}

public sealed class ReplayJsonTests
{
    private static void WithPayments(DbosTestOptions options) => options.Services.AddSingleton<IPayments>(new RecordingPayments());

    [Test]
    public async Task A_json_export_round_trips_and_replays()
    {
        await using var env = await DbosTestEnvironment.StartAsync(WithPayments);
        var order = "json-" + Guid.NewGuid().ToString("N");
        var handle = await env.GetRequiredService<ICheckoutClient>().StartRunAsync(order, 4m);
        await handle.GetResultAsync();
        var json = (await WorkflowHistory.LoadAsync(env.Runtime, handle.WorkflowId)).ToJson();
        Assert.That(json, Does.Contain("\"format\": \"dbos-workflow-history\"").And.Contain("\"version\": 1").And.Contain("\"functionId\": 2"));

        var history = WorkflowHistory.FromJson(json);
        Assert.That(history.ToJson(), Is.EqualTo(json));
        Assert.That(history.Steps.Select(s => s.Name), Is.EqualTo(new[] { "Reserve", "Charge", "Ship" }));
        Assert.That(history.Steps[0].SerializedOutput, Is.EqualTo($"\"res-{order}\""));
        Assert.That((await WorkflowReplayer.ReplayAsync(history, WithPayments)).IsSame, Is.True);
    }

    [Test]
    public void Json_that_is_not_an_export_fails_with_what_is_wrong()
    {
        Assert.That(Assert.Throws<FormatException>(() => WorkflowHistory.FromJson("{\"format\":\"other\"}"))!.Message, Does.Contain("\"format\" must be \"dbos-workflow-history\""));
        Assert.That(Assert.Throws<FormatException>(() => WorkflowHistory.FromJson("{\"format\":\"dbos-workflow-history\",\"version\":2}"))!.Message, Does.Contain("version 2"));
        Assert.That(Assert.Throws<FormatException>(() => WorkflowHistory.FromJson("{\"format\":\"dbos-workflow-history\",\"version\":1,\"name\":\"x\"}"))!.Message, Does.Contain("\"workflowId\""));
        Assert.That(Assert.Throws<FormatException>(() => WorkflowHistory.FromJson("not json"))!.Message, Does.Contain("not a workflow history export"));
        var duplicate = "{\"format\":\"dbos-workflow-history\",\"version\":1,\"workflowId\":\"w\",\"name\":\"Run\",\"steps\":[{\"functionId\":0,\"name\":\"A\"},{\"functionId\":0,\"name\":\"B\"}]}";
        Assert.That(Assert.Throws<FormatException>(() => WorkflowHistory.FromJson(duplicate))!.Message, Does.Contain("two steps with function id 0"));
    }

    [Test]
    public async Task A_workflow_this_code_no_longer_has_is_reported_as_renamed_or_removed()
    {
        var history = new WorkflowHistory("gone-1", "PlaceOrderV0", "Dbos.Testing.Tests.Checkout", "PENDING", null, "portable_json", "{\"positionalArgs\":[]}", []);
        var result = await WorkflowReplayer.ReplayAsync(history);
        Assert.That(result.IsSame, Is.False);
        Assert.That(result.Message, Does.Contain("renamed or removed"));
    }
}
