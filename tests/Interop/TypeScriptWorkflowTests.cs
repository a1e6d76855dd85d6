using System;
using System.Collections.Generic;
using System.Text.Json;
using System.Threading.Tasks;
using NUnit.Framework;

namespace Dbos.Interop.Tests;

/// <summary>
/// TypeScript workflows (peer.mjs, DBOS TypeScript 5.3 with its default serializer, js_superjson) read and messaged
/// from C#. Each case also asks DBOS TypeScript's client for the same value, to show what C# is matched against.
/// </summary>
public sealed class TypeScriptWorkflowTests : InteropFixture
{
    private const string TallyAsTypeScriptSeesIt =
        """{"when":{"$date":"1970-01-02T00:00:00.000Z"},"total":{"$bigint":"10"},"tags":{"$set":["a","b"]},"scores":{"$map":[["x",1.5]]},"note":{"$undefined":true},"name":"ts"}""";

    private static void AssertTally(InteropWorkflows.Tally? tally)
    {
        Assert.That(tally, Is.Not.Null);
        Assert.That(tally!.When, Is.EqualTo(DateTimeOffset.FromUnixTimeMilliseconds(86_400_000)));
        Assert.That(tally.Total, Is.EqualTo(10));
        Assert.That(tally.Tags, Is.EquivalentTo(new[] { "a", "b" }));
        Assert.That(tally.Scores, Is.EqualTo(new Dictionary<string, double> { ["x"] = 1.5 }));
        Assert.That(tally.Note, Is.Null);
        Assert.That(tally.Name, Is.EqualTo("ts"));
    }

    [Test]
    public async Task CSharp_reads_the_js_superjson_result_of_a_TypeScript_workflow()
    {
        var ts = Id("ts");
        await StartTsAsync("tsReturnsTally", ts);
        Assert.That((await TsAsync("clientGetResult", new { workflowId = ts })).GetRawText(), Is.EqualTo(TallyAsTypeScriptSeesIt));

        var handle = await Runtime.RetrieveWorkflowAsync<InteropWorkflows.Tally>(ts);
        AssertTally(await handle.GetResultAsync());
        var status = await handle.GetStatusAsync();
        Assert.That((status!.Status, status.Name, status.Serialization), Is.EqualTo(("SUCCESS", "tsReturnsTally", "js_superjson")));
    }

    [Test]
    public async Task CSharp_gets_the_error_of_a_TypeScript_workflow_with_its_name_and_message()
    {
        var ts = Id("ts");
        await StartTsAsync("tsThrows", ts, "too far");
        var seen = (await Assert.ThrowsAsync<PeerException>(() => TsAsync("clientGetResult", new { workflowId = ts })))!;
        Assert.That((seen.ErrorName, seen.ErrorMessage), Is.EqualTo(("RangeError", "too far")));

        var handle = await Runtime.RetrieveWorkflowAsync<string>(ts);
        var error = (await Assert.ThrowsAsync<PortableWorkflowException>(() => handle.GetResultAsync()))!;
        Assert.That((error.ErrorName, error.Message), Is.EqualTo(("RangeError", "too far")));
        Assert.That(error.ErrorData, Does.Contain("\"stack\"").And.Contain("RangeError: too far"), "the JavaScript stack comes along in the data");
    }

    [Test]
    public async Task CSharp_reads_the_events_of_a_TypeScript_workflow()
    {
        var ts = Id("ts");
        await StartTsAsync("tsPublishTally", ts);
        await TsAsync("clientGetResult", new { workflowId = ts }); // the client polls for events: ask once they are set
        Assert.That((await TsAsync("clientGetEvent", new { workflowId = ts, key = "tally" })).GetRawText(), Is.EqualTo(TallyAsTypeScriptSeesIt));

        AssertTally(await DBOS.GetEventAsync<InteropWorkflows.Tally>(ts, "tally", TimeSpan.FromSeconds(30)));
        Assert.That(await DBOS.GetEventAsync<string>(ts, "plain", TimeSpan.FromSeconds(30)), Is.EqualTo("text"));
        Assert.That(await DBOS.GetEventAsync<string>(ts, "missing", TimeSpan.FromMilliseconds(200)), Is.Null);
    }

    [Test]
    public async Task A_TypeScript_workflow_receives_the_messages_CSharp_sends()
    {
        var ts = Id("ts");
        await StartTsAsync("tsCollect", ts, "inbox", 3);
        await DBOS.SendAsync(ts, "one", "inbox");
        await DBOS.SendAsync(ts, "two", "inbox", idempotencyKey: "once");
        await DBOS.SendAsync(ts, "two-again", "inbox", idempotencyKey: "once");
        await DBOS.SendAsync(ts, "three", "inbox");

        Assert.That((await TsAsync("clientGetResult", new { workflowId = ts })).GetRawText(), Is.EqualTo("""["one","two","three"]"""));
        Assert.That(await (await Runtime.RetrieveWorkflowAsync<string[]>(ts)).GetResultAsync(), Is.EqualTo(new[] { "one", "two", "three" }));
    }

    [Test]
    public async Task A_CSharp_workflow_receives_the_js_superjson_messages_a_TypeScript_workflow_sends()
    {
        var cs = Id("cs");
        var handle = await StartCsAsync(cs, () => InteropWorkflows.ReceiveFromTypeScript());
        await StartTsAsync("tsSends", Id("ts"), cs);
        Assert.That(await handle.GetResultAsync(), Is.EqualTo("86400000|10|a,b|1.5|null|ts|plain"));
    }

    [Test]
    public async Task A_CSharp_workflow_gets_the_event_of_a_TypeScript_workflow_from_inside_a_workflow()
    {
        var ts = Id("ts");
        await StartTsAsync("tsPublishTally", ts);
        var handle = await StartCsAsync(Id("cs"), () => InteropWorkflows.ReadTally(ts));
        AssertTally(await handle.GetResultAsync());
    }
}
