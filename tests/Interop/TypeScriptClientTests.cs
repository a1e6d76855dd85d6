using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using NUnit.Framework;

namespace Dbos.Interop.Tests;

/// <summary>
/// C# workflows driven by the DBOS TypeScript 5.3 client (<c>DBOSClient</c>). Where a TypeScript twin exists (peer.mjs),
/// the client's answer for the C# workflow is compared with its answer for the TypeScript one: what DBOS TypeScript
/// itself does in the same situation.
/// </summary>
public sealed class TypeScriptClientTests : InteropFixture
{
    private static JsonElement Property(JsonElement element, string name)
        => element.TryGetProperty(name, out var value) ? value : throw new AssertionException($"{name} is missing from {element.GetRawText()}");

    private static string Json(JsonElement element) => element.GetRawText();

    [Test]
    public async Task The_client_lists_and_gets_a_CSharp_workflow_as_it_does_a_TypeScript_one()
    {
        var cs = Id("cs");
        var ts = Id("ts");
        await (await StartCsAsync(cs, () => InteropWorkflows.Greet("world"))).GetResultAsync();
        await StartTsAsync("tsGreet", ts, "world");
        await TsAsync("clientGetResult", new { workflowId = ts });

        var listed = await TsAsync("clientListWorkflows", new { input = new { workflowIDs = new[] { cs, ts }, sortDesc = false } });
        Assert.That(listed.GetArrayLength(), Is.EqualTo(2));
        var byId = listed.EnumerateArray().ToDictionary(s => Property(s, "workflowID").GetString()!);
        var (csStatus, tsStatus) = (byId[cs], byId[ts]);

        Assert.That(Property(csStatus, "workflowName").GetString(), Is.EqualTo("Greet"));
        Assert.That(Property(csStatus, "workflowClassName").GetString(), Is.EqualTo("InteropWorkflows"));
        Assert.That(Property(tsStatus, "workflowName").GetString(), Is.EqualTo("tsGreet"));
        // Known differences, left to the status writer: C# stores NULL where DBOS TypeScript stores '' (authenticatedUser,
        // assumedRole) and '[]' (authenticatedRoles), and sets dequeuedAt (started_at_epoch_ms) for a workflow not on a queue.
        foreach (var field in new[] { "status", "output", "input", "error", "queueName", "priority", "recoveryAttempts", "workflowConfigName", "timeoutMS", "deadlineEpochMS", "parentWorkflowID", "forkedFrom", "wasForkedFrom" })
        {
            Assert.That(Json(Property(csStatus, field)), Is.EqualTo(Json(Property(tsStatus, field))), $"{field} as the client shows it");
        }

        Assert.That(Json(Property(csStatus, "output")), Is.EqualTo("""{"greeting":"hello world","n":3}"""));
        Assert.That(Json(Property(csStatus, "input")), Is.EqualTo("""["world"]"""));
        Assert.That(Property(csStatus, "executorId").GetString(), Is.EqualTo("dotnet-interop"));
        Assert.That(Property(csStatus, "applicationVersion").GetString(), Is.EqualTo(Runtime.ApplicationVersion));

        // getWorkflow and a handle's getStatus give the same status as the listing.
        var got = await TsAsync("clientGetWorkflow", new { workflowId = cs });
        var handleStatus = await TsAsync("clientGetStatus", new { workflowId = cs });
        foreach (var field in new[] { "workflowID", "status", "workflowName", "workflowClassName", "output", "createdAt" })
        {
            Assert.That(Json(Property(got, field)), Is.EqualTo(Json(Property(csStatus, field))), "getWorkflow: " + field);
            Assert.That(Json(Property(handleStatus, field)), Is.EqualTo(Json(Property(csStatus, field))), "getStatus: " + field);
        }

        Assert.That(Json(await TsAsync("clientGetResult", new { workflowId = cs })), Is.EqualTo(Json(await TsAsync("clientGetResult", new { workflowId = ts }))));
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task A_CSharp_workflow_the_client_enqueues_by_name_runs_here_and_the_client_gets_its_result(bool portable)
    {
        var id = Id(portable ? "enq-portable" : "enq-superjson");
        // The C# version by name: a row without one runs only on the latest registered version, which the TypeScript app
        // (a later registration) may be.
        var options = new { queueName = WorkflowQueue.InternalQueueName, workflowName = "Greet", workflowClassName = "InteropWorkflows", workflowID = id, appVersion = Runtime.ApplicationVersion };
        Assert.That((await TsAsync("clientEnqueue", new { options, args = new[] { "queue" }, portable })).GetString(), Is.EqualTo(id));

        // The C# runtime serves the internal queue: it dequeues the row, reads the arguments in the serialization the client
        // wrote, and records a result the client reads as it reads a TypeScript one.
        var handle = await Runtime.RetrieveWorkflowAsync<InteropWorkflows.GreetingResult>(id);
        Assert.That(await handle.GetResultAsync(), Is.EqualTo(new InteropWorkflows.GreetingResult("hello queue", 3)));
        var status = await Runtime.GetWorkflowStatusAsync(id);
        Assert.That((status!.Status, status.ExecutorId), Is.EqualTo((WorkflowStatuses.Success, "dotnet-interop")));
        // With the client's default serializer the row says js_superjson, and the result is written in that format: the client
        // decodes it by the row's tag either way.
        Assert.That(status.Serialization, Is.EqualTo(portable ? "portable_json" : "js_superjson"));
        Assert.That(Json(await TsAsync("clientGetResult", new { workflowId = id })), Is.EqualTo("""{"greeting":"hello queue","n":3}"""));
    }

    [Test]
    public async Task The_client_gets_a_CSharp_error_as_a_PortableWorkflowError_as_it_gets_a_portable_TypeScript_error()
    {
        var cs = Id("cs");
        var ts = Id("ts");
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await (await StartCsAsync(cs, () => InteropWorkflows.Fail("nope"))).GetResultAsync());
        await StartTsAsync("tsFailPortable", ts, "nope");

        var csError = (await Assert.ThrowsAsync<PeerException>(() => TsAsync("clientGetResult", new { workflowId = cs })))!;
        var tsError = (await Assert.ThrowsAsync<PeerException>(() => TsAsync("clientGetResult", new { workflowId = ts })))!;
        Assert.That((csError.ErrorClass, csError.ErrorMessage), Is.EqualTo((tsError.ErrorClass, tsError.ErrorMessage)));
        Assert.That(csError.ErrorClass, Is.EqualTo("PortableWorkflowError"));
        Assert.That(csError.ErrorName, Is.EqualTo("System.InvalidOperationException"));
        Assert.That(tsError.ErrorName, Is.EqualTo("Error"));

        var listed = await TsAsync("clientGetWorkflow", new { workflowId = cs });
        Assert.That(Property(listed, "status").GetString(), Is.EqualTo("ERROR"));
    }

    [Test]
    public async Task Messages_the_client_sends_reach_a_CSharp_workflow_as_they_reach_a_TypeScript_one()
    {
        // Default serialization (js_superjson), portable, an idempotency key used twice (delivered once), and a topic.
        async Task<List<string?>> SendAll(string destination)
        {
            await TsAsync("clientSend", new { destination, message = "a" });
            await TsAsync("clientSend", new { destination, message = "b", serializationType = "portable" });
            await TsAsync("clientSend", new { destination, message = "c", idempotencyKey = "key-1" });
            await TsAsync("clientSend", new { destination, message = "c-again", idempotencyKey = "key-1" });
            await TsAsync("clientSend", new { destination, message = "on-topic", topic = "news", idempotencyKey = "key-2" });
            await TsAsync("clientSend", new { destination, message = "d" });
            return JsonSerializer.Deserialize<List<string?>>(await TsAsync("clientGetResult", new { workflowId = destination }))!;
        }

        var cs = Id("cs");
        var csHandle = await StartCsAsync(cs, () => InteropWorkflows.Collect(null, 4));
        var csTopic = await StartCsAsync(Id("cs-topic"), () => InteropWorkflows.Collect("news", 1));
        var ts = Id("ts");
        await StartTsAsync("tsCollect", ts, null, 4);

        var csReceived = await SendAll(cs);
        var tsReceived = await SendAll(ts);
        Assert.That(csReceived, Is.EqualTo(tsReceived));
        Assert.That(csReceived, Is.EqualTo(new[] { "a", "b", "c", "d" }));
        Assert.That(await csHandle.GetResultAsync(), Is.EqualTo(csReceived));

        await TsAsync("clientSend", new { destination = Id("cs-topic"), message = "news!", topic = "news" });
        Assert.That(await csTopic.GetResultAsync(), Is.EqualTo(new[] { "news!" }));
    }

    [Test]
    public async Task Messages_the_client_sends_in_a_burst_arrive_in_the_order_sent()
    {
        var cs = Id("cs");
        var handle = await StartCsAsync(cs, () => InteropWorkflows.Collect(null, 30));
        var messages = Enumerable.Range(0, 30).Select(i => "m" + i).ToArray();
        await TsAsync("clientSendMany", new { destination = cs, messages });
        Assert.That(await handle.GetResultAsync(), Is.EqualTo(messages));
    }

    [Test]
    public async Task A_message_a_CSharp_workflow_cannot_read_fails_it_with_a_message_that_names_what_was_found()
    {
        var cs = Id("cs");
        var handle = await StartCsAsync(cs, () => InteropWorkflows.Collect(null, 1));
        await TsAsync("clientSend", new { destination = cs, message = new { a = 1 } });
        var error = (await Assert.ThrowsAsync<DbosSerializationException>(() => handle.GetResultAsync()))!;
        Assert.That(error.Message, Does.Contain("js_superjson (DBOS TypeScript's default serializer)").And.Contain("a JSON object").And.Contain("System.String"));

        var seen = (await Assert.ThrowsAsync<PeerException>(() => TsAsync("clientGetResult", new { workflowId = cs })))!;
        Assert.That((seen.ErrorClass, seen.ErrorName), Is.EqualTo(("PortableWorkflowError", "Dbos.DbosSerializationException")));
        Assert.That(seen.ErrorMessage, Does.Contain("js_superjson"));
    }

    [Test]
    public async Task The_client_reads_an_event_of_a_CSharp_workflow_as_it_reads_a_TypeScript_one()
    {
        var cs = Id("cs");
        var ts = Id("ts");
        await (await StartCsAsync(cs, () => InteropWorkflows.Publish("ready"))).GetResultAsync();
        await StartTsAsync("tsPublish", ts, "ready");
        await TsAsync("clientGetResult", new { workflowId = ts });

        Assert.That(Json(await TsAsync("clientGetEvent", new { workflowId = cs, key = "status" })), Is.EqualTo("\"ready\""));
        Assert.That(Json(await TsAsync("clientGetEvent", new { workflowId = ts, key = "status" })), Is.EqualTo("\"ready\""));
        Assert.That(Json(await TsAsync("clientGetEvent", new { workflowId = cs, key = "missing", timeoutSeconds = 0.2 })), Is.EqualTo("null"));
        Assert.That(Json(await TsAsync("clientGetEvent", new { workflowId = ts, key = "missing", timeoutSeconds = 0.2 })), Is.EqualTo("null"));
    }

    [Test]
    public async Task The_client_lists_the_steps_of_a_CSharp_workflow_with_the_ids_and_names_of_its_TypeScript_twin()
    {
        var cs = Id("cs");
        var ts = Id("ts");
        var handle = await StartCsAsync(cs, () => InteropWorkflows.Orchestrate());
        await StartTsAsync("tsOrchestrate", ts);
        await TsAsync("clientSend", new { destination = cs, message = "pong", topic = "reply" });
        await TsAsync("clientSend", new { destination = ts, message = "pong", topic = "reply" });
        Assert.That(await handle.GetResultAsync(), Is.EqualTo("pong:42"));
        Assert.That(Json(await TsAsync("clientGetResult", new { workflowId = ts })), Is.EqualTo("\"pong:42\""));

        static List<string> Steps(JsonElement steps) => steps.EnumerateArray()
            .Select(s => $"{Property(s, "functionID").GetInt32()} {Property(s, "name").GetString()} {Describe(Property(s, "output"))} {Json(Property(s, "error"))}")
            .ToList();

        var csSteps = Steps(await TsAsync("clientListSteps", new { workflowId = cs }));
        var tsSteps = Steps(await TsAsync("clientListSteps", new { workflowId = ts }));
        Assert.That(csSteps, Is.EqualTo(tsSteps));
        Assert.That(csSteps, Is.EqualTo(new[]
        {
            "0 Double 42 null",
            "1 DBOS.send null null",
            "2 DBOS.recv \"pong\" null",
            "3 DBOS.sleep a number null",
            "4 DBOS.setEvent null null",
            "5 DBOS.sleep a number null",
        }));
    }

    /// <summary>A step's output as the client shows it; wake-up times differ run to run, so only their kind is compared.</summary>
    private static string Describe(JsonElement output) => output.ValueKind == JsonValueKind.Number && output.GetDouble() > 1_000_000_000 ? "a number" : output.GetRawText();
}
