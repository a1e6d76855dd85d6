using System;
using System.Collections.Generic;
using System.Threading.Tasks;

namespace Dbos.Interop.Tests;

/// <summary>The C# workflows of the interop tests. Those with a twin in node/peer.mjs make the same durable calls in the
/// same order, so DBOS TypeScript's view of both can be compared.</summary>
public partial class InteropWorkflows
{
    public sealed record GreetingResult(string Greeting, int N);

    /// <summary>peer.mjs's <c>tally()</c>: a Date, a BigInt, a Set, a Map, undefined and a string.</summary>
    public sealed record Tally(DateTimeOffset When, long Total, HashSet<string> Tags, Dictionary<string, double> Scores, string? Note, string Name);

    // Run by schedules (ScheduleInteropTests); twin: tsScheduled.
    [Workflow]
    public static Task<string> ScheduledTick(DateTimeOffset scheduledTime, string context)
        => Task.FromResult(context + "@" + scheduledTime.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture));

    // Twin: tsGreet
    [Workflow]
    public static Task<GreetingResult> Greet(string name) => Task.FromResult(new GreetingResult($"hello {name}", 3));

    // Twin: tsFailPortable
    [Workflow]
    public static async Task<string> Fail(string message)
    {
        await Task.Yield();
        throw new InvalidOperationException(message);
    }

    // Twin: tsPublish
    [Workflow]
    public static async Task<string> Publish(string value)
    {
        await DBOS.SetEventAsync("status", value);
        return "published";
    }

    // Twin: tsCollect
    [Workflow]
    public static async Task<List<string?>> Collect(string? topic, int count)
    {
        var received = new List<string?>();
        for (var i = 0; i < count; i++)
        {
            received.Add(await DBOS.RecvAsync<string>(topic, TimeSpan.FromSeconds(30)));
        }

        return received;
    }

    // Twin: tsPatched
    [Workflow]
    public static async Task<string> Patched()
    {
        var x = await Double(1);
        var patched = await DBOS.PatchAsync("shared-pricing");
        var kept = await DBOS.DeprecatePatchAsync("retired-pricing");
        return $"{x}:{(patched ? "true" : "false")}:{(kept ? "true" : "false")}";
    }

    // Twin: tsOrchestrate
    [Workflow]
    public static async Task<string> Orchestrate()
    {
        var x = await Double(21);
        await DBOS.SendAsync(DBOS.WorkflowId, "hi", "ping");
        var reply = await DBOS.RecvAsync<string>("reply", TimeSpan.FromSeconds(30));
        await DBOS.SetEventAsync("done", x);
        await DBOS.SleepAsync(TimeSpan.FromMilliseconds(10));
        return $"{reply}:{x}";
    }

    [Step]
    private static Task<int> Double(int x) => Task.FromResult(x * 2);

    /// <summary>Receives what tsSends sends: a tally on topic "tally", then a string without topic.</summary>
    [Workflow]
    public static async Task<string> ReceiveFromTypeScript()
    {
        var tally = await DBOS.RecvAsync<Tally>("tally", TimeSpan.FromSeconds(30));
        var plain = await DBOS.RecvAsync<string>(timeout: TimeSpan.FromSeconds(30));
        return tally is null
            ? "no tally"
            : $"{tally.When.ToUnixTimeMilliseconds()}|{tally.Total}|{string.Join(",", System.Linq.Enumerable.Order(tally.Tags))}|{tally.Scores["x"]}|{tally.Note ?? "null"}|{tally.Name}|{plain}";
    }

    /// <summary>GetEvent inside a workflow records the value as it was stored (js_superjson from a TypeScript workflow).</summary>
    [Workflow]
    public static Task<Tally?> ReadTally(string workflowId) => DBOS.GetEventAsync<Tally>(workflowId, "tally", TimeSpan.FromSeconds(30));
}
