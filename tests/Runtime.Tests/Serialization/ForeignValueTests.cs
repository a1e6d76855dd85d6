using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using NUnit.Framework;

namespace Dbos.Tests.Serialization;

public partial class ForeignValueWorkflows
{
    [Workflow]
    public static Task<string> Summarize(DateTimeOffset when, long count, Dictionary<string, int> scores)
        => Task.FromResult($"{when.ToUnixTimeMilliseconds()}|{count}|{scores["x"]}");
}

/// <summary>
/// Values another DBOS SDK wrote, as rows in the system database: DBOS TypeScript's default <c>js_superjson</c> (the
/// stored texts are what DBOS TypeScript 5.3.0 writes, see <see cref="SuperJsonTests"/>) and serializations this SDK cannot
/// read. The end-to-end version, against the npm package itself, is in tests/Interop.
/// </summary>
public sealed class ForeignValueTests(string engine) : EngineTest(engine)
{
    // client.send(id, 'text') / DBOS.send(id, 'text') in DBOS TypeScript without serializationType
    private const string SuperJsonText = """{"json":"text","__dbos_serializer":"superjson"}""";

    // { when: new Date(86400000), total: 10n, tags: new Set(['a']) }
    private const string SuperJsonRecord = """{"json":{"when":"1970-01-02T00:00:00.000Z","total":"10","tags":["a"]},"meta":{"values":{"when":["Date"],"total":["bigint"],"tags":["set"]}},"__dbos_serializer":"superjson"}""";

    public sealed record Tally(DateTimeOffset When, long Total, string[] Tags);

    private Task InsertMessageAsync(string destination, string message, string serialization, string? topic = null) =>
        QueryAsync("INSERT INTO {s}notifications (message_uuid, destination_uuid, topic, message, serialization, created_at_epoch_ms) VALUES (@p1, @p2, @p3, @p4, @p5, @p6)",
            Guid.NewGuid().ToString(), destination, topic ?? "__null__topic__", message, serialization, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

    /// <summary>A finished workflow as DBOS TypeScript 5.3 stores it: the outcome in workflow_output, NULL in the legacy columns.</summary>
    private async Task InsertFinishedWorkflowAsync(string workflowId, string status, string serialization, string? output, string? error)
    {
        await QueryAsync("INSERT INTO {s}workflow_status (workflow_uuid, status, name, serialization, created_at, updated_at) VALUES (@p1, @p2, 'tsWorkflow', @p3, 1, 2)",
            workflowId, status, serialization);
        await QueryAsync("INSERT INTO {s}workflow_output (workflow_uuid, output, error) VALUES (@p1, @p2, @p3)", workflowId, output, error);
    }

    /// <summary>A PENDING Summarize row of version v-foreign, its inputs in js_superjson: (new Date(0), 3n, new Map([[key, 2]])).</summary>
    private async Task InsertSummarizeFromTypeScriptAsync(string workflowId, string key)
    {
        await QueryAsync("""
            INSERT INTO {s}workflow_status (workflow_uuid, status, name, class_name, executor_id, application_version, serialization, owner_xid, created_at, updated_at)
            VALUES (@p1, 'PENDING', 'Summarize', 'ForeignValueWorkflows', 'local', 'v-foreign', 'js_superjson', 'ts-owner', 1, 1)
            """, workflowId);
        await QueryAsync("INSERT INTO {s}workflow_input (workflow_uuid, inputs) VALUES (@p1, @p2)", workflowId,
            $$$"""{"json":["1970-01-01T00:00:00.000Z","3",[["{{{key}}}",2]]],"meta":{"values":{"0":["Date"],"1":["bigint"],"2":["map"]}},"__dbos_serializer":"superjson"}""");
    }

    private static async Task<WorkflowHandle<T>> StartAsync<T>(string workflowId, Func<Task<T>> workflow)
    {
        using (new SetWorkflowID(workflowId))
        {
            return await DBOS.StartWorkflowAsync(workflow);
        }
    }

    [Test]
    public async Task A_js_superjson_message_is_received_as_the_value_it_holds()
    {
        await LaunchAsync();
        var handle = await StartAsync("to-receive", () => MessagingWorkflows.ReceiveOne("greeting", 30));
        await InsertMessageAsync("to-receive", SuperJsonText, "js_superjson", "greeting");
        Assert.That(await handle.GetResultAsync(), Is.EqualTo("text"));
        var recorded = await QueryAsync("SELECT output, serialization FROM {s}operation_outputs WHERE workflow_uuid = 'to-receive' AND function_name = 'DBOS.recv'");
        Assert.That(recorded.Single(), Is.EqualTo(new object?[] { SuperJsonText, "js_superjson" }), "recorded as received, in its own serialization, as DBOS does");
    }

    [Test]
    public async Task A_js_superjson_message_that_is_not_the_type_asked_for_names_its_serialization_and_stays_unconsumed()
    {
        await LaunchAsync();
        var handle = await StartAsync("wrong-type", () => MessagingWorkflows.ReceiveOne(null, 30));
        await InsertMessageAsync("wrong-type", """{"json":{"a":1},"__dbos_serializer":"superjson"}""", "js_superjson");
        var error = await Assert.ThrowsAsync<DbosSerializationException>(() => handle.GetResultAsync());
        Assert.That(error!.Message, Does.Contain("js_superjson (DBOS TypeScript's default serializer)").And.Contain("a JSON object").And.Contain("System.String").And.Contain("unconsumed"));
        var consumed = await QueryAsync("SELECT consumed FROM {s}notifications WHERE destination_uuid = 'wrong-type'");
        Assert.That(Convert.ToBoolean(consumed[0][0], CultureInfo.InvariantCulture), Is.False);
    }

    [Test]
    public async Task A_message_in_a_serialization_this_SDK_cannot_read_says_which_one_it_is()
    {
        await LaunchAsync();
        var handle = await StartAsync("pickled", () => MessagingWorkflows.ReceiveOne(null, 30));
        await InsertMessageAsync("pickled", "gASVCAAAAAAAAACMBHRleHSULg==", "py_pickle");
        var error = await Assert.ThrowsAsync<DbosSerializationException>(() => handle.GetResultAsync());
        Assert.That(error!.Message, Does.Contain("py_pickle (DBOS Python's default serializer)").And.Contain("portable_json"));
    }

    [Test]
    public async Task Results_errors_and_events_of_TypeScript_workflows_are_read()
    {
        var runtime = await LaunchAsync();
        await InsertFinishedWorkflowAsync("ts-ok", "SUCCESS", "js_superjson", SuperJsonRecord, null);
        var tally = await (await runtime.RetrieveWorkflowAsync<Tally>("ts-ok")).GetResultAsync();
        Assert.That((tally.When, tally.Total), Is.EqualTo((DateTimeOffset.FromUnixTimeMilliseconds(86_400_000), 10L)));
        Assert.That(tally.Tags, Is.EqualTo(new[] { "a" }));

        // throw new RangeError('too far'), as serializeResError stores it
        await InsertFinishedWorkflowAsync("ts-failed", "ERROR", "js_superjson", null,
            """{"json":{"name":"RangeError","message":"too far","stack":"RangeError: too far\n    at ts-workflow.mjs:1:1"},"__dbos_serializer":"superjson"}""");
        var error = await Assert.ThrowsAsync<PortableWorkflowException>(async () => await (await runtime.RetrieveWorkflowAsync<Tally>("ts-failed")).GetResultAsync());
        Assert.That((error!.ErrorName, error.Message), Is.EqualTo(("RangeError", "too far")));
        Assert.That(error.ErrorData, Does.Contain("ts-workflow.mjs"));

        await QueryAsync("INSERT INTO {s}workflow_events (workflow_uuid, key, value, serialization) VALUES ('ts-ok', 'tally', @p1, 'js_superjson')", SuperJsonRecord);
        var evented = await DBOS.GetEventAsync<Tally>("ts-ok", "tally", TimeSpan.FromSeconds(5));
        Assert.That(evented!.Total, Is.EqualTo(10));

        var wrong = await Assert.ThrowsAsync<DbosSerializationException>(async () => await (await runtime.RetrieveWorkflowAsync<int>("ts-ok")).GetResultAsync());
        Assert.That(wrong!.Message, Does.Contain("ts-ok").And.Contain("js_superjson").And.Contain("a JSON object").And.Contain("System.Int32"));
    }

    [Test]
    public async Task A_workflow_enqueued_with_js_superjson_inputs_runs_with_them()
    {
        var runtime = await LaunchAsync(o => o.ApplicationVersion = "v-foreign");
        // client.enqueue({ workflowName: 'Summarize', ... }, new Date(0), 3n, new Map([['x', 2]])) stores the positional array
        await InsertSummarizeFromTypeScriptAsync("from-ts", "x");

        Assert.That(await runtime.RecoverPendingWorkflowsAsync(), Is.EqualTo(new[] { "from-ts" }));
        Assert.That(await (await runtime.RetrieveWorkflowAsync<string>("from-ts")).GetResultAsync(), Is.EqualTo("0|3|2"));

        // The outcome is written in the row's serialization, so the TypeScript client that enqueued it decodes it by that tag.
        var stored = (await QueryAsync("SELECT s.serialization, o.output FROM {s}workflow_status s JOIN {s}workflow_output o USING (workflow_uuid) WHERE workflow_uuid = 'from-ts'")).Single();
        Assert.That(stored, Is.EqualTo(new object?[] { "js_superjson", """{"json":"0|3|2","__dbos_serializer":"superjson"}""" }));
        var listed = await runtime.ListWorkflowsAsync(new WorkflowFilter { WorkflowIds = ["from-ts"], LoadOutput = true });
        Assert.That(listed.Single().GetOutput<string>(), Is.EqualTo("0|3|2"), "read back from the database");
    }

    [Test]
    public async Task A_js_superjson_workflow_that_fails_records_its_error_as_a_superjson_error_record()
    {
        var runtime = await LaunchAsync(o => o.ApplicationVersion = "v-foreign");
        await InsertSummarizeFromTypeScriptAsync("from-ts-bad", "y"); // no "x" in the scores: the workflow throws KeyNotFoundException

        await runtime.RecoverPendingWorkflowsAsync();
        var handle = await runtime.RetrieveWorkflowAsync<string>("from-ts-bad");
        await Assert.ThrowsAsync<KeyNotFoundException>(() => handle.GetResultAsync());

        var error = (string)(await QueryAsync("SELECT error FROM {s}workflow_output WHERE workflow_uuid = 'from-ts-bad'")).Single()[0]!;
        using var record = System.Text.Json.JsonDocument.Parse(error);
        Assert.That(record.RootElement.GetProperty("__dbos_serializer").GetString(), Is.EqualTo("superjson"));
        // What serialize-error reads back into an Error: name and message at the top of the record's json.
        Assert.That(record.RootElement.GetProperty("json").GetProperty("name").GetString(), Is.EqualTo("System.Collections.Generic.KeyNotFoundException"));
        Assert.That(record.RootElement.GetProperty("json").GetProperty("message").GetString(), Does.Contain("'x'"));

        // Read back from the database by a fresh runtime (not from this one's memory): the .NET type again.
        await runtime.ShutdownAsync();
        var reader = await LaunchAsync(o => o.ApplicationVersion = "v-foreign");
        await Assert.ThrowsAsync<KeyNotFoundException>(async () => await (await reader.RetrieveWorkflowAsync<string>("from-ts-bad")).GetResultAsync());
    }

    [Test]
    public async Task Messages_other_senders_insert_in_one_millisecond_are_received_in_insertion_order()
    {
        await LaunchAsync();
        var handle = await StartAsync("fifo-foreign", () => MessagingWorkflows.ReceiveMany(10));
        if (IsPostgres)
        {
            // One statement, so one now() for every row; message ids in the opposite order, so no id tie-break can pass.
            await QueryAsync("SELECT dbos.send_message('fifo-foreign', to_json(i), NULL, 'id-' || (9 - i)) FROM generate_series(0, 9) AS i");
        }
        else
        {
            var rows = string.Join(", ", Enumerable.Range(0, 10).Select(i => $"('id-{9 - i}', 'fifo-foreign', '__null__topic__', '{i}', 'portable_json', 1000)"));
            await QueryAsync("INSERT INTO notifications (message_uuid, destination_uuid, topic, message, serialization, created_at_epoch_ms) VALUES " + rows);
        }

        Assert.That(await CountAsync("SELECT COUNT(DISTINCT created_at_epoch_ms) FROM {s}notifications WHERE destination_uuid = 'fifo-foreign'"), Is.EqualTo(1), "all in one millisecond");
        Assert.That(await handle.GetResultAsync(), Is.EqualTo(Enumerable.Range(0, 10)));
    }
}
