using System;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Dbos.Cli.Tests;
using NUnit.Framework;

namespace Dbos.Interop.Tests;

/// <summary>
/// The C# <see cref="DbosClient"/> and the dbos tool on a database DBOS TypeScript 5.3 writes: the client enqueues by name into a
/// queue only DBOS TypeScript serves (its executor runs the row), reads js_superjson results, messages and events of TypeScript
/// workflows, and the tool lists, shows and cancels them.
/// </summary>
public sealed class ClientInteropTests : InteropFixture
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Test]
    public async Task The_client_enqueues_by_name_into_a_TypeScript_queue_and_the_TypeScript_executor_runs_it()
    {
        Assert.That((await TsAsync("registerQueue", new { name = "ts-queue" })).GetString(), Is.EqualTo("ts-queue"));
        var first = Id("first");
        await StartTsAsync("tsGreet", first, "ts");
        await using var client = await DbosClient.ConnectAsync(DatabaseUrl);
        var ran = await (await client.RetrieveWorkflowAsync<JsonElement>(first)).GetResultAsync().WaitAsync(Bound);
        Assert.That(ran.GetProperty("greeting").GetString(), Is.EqualTo("hello ts"));
        var version = (await client.GetWorkflowStatusAsync(first))!.ApplicationVersion;

        var enqueued = Id("enqueued");
        var handle = await client.EnqueueAsync<JsonElement>(new EnqueueRequest("ts-queue", "tsGreet") { WorkflowId = enqueued, ApplicationVersion = version }, "dotnet");
        var result = await handle.GetResultAsync().WaitAsync(Bound);
        Assert.That((result.GetProperty("greeting").GetString(), result.GetProperty("n").GetInt32()), Is.EqualTo(("hello dotnet", 3)));
        var status = await handle.GetStatusAsync();
        Assert.That((status!.Status, status.ExecutorId, status.QueueName, status.ClassName), Is.EqualTo(("SUCCESS", "ts-interop-peer", "ts-queue", (string?)null)));

        // DBOS TypeScript's own client reads the row the C# client wrote, and its result, as its own.
        var seen = await TsAsync("clientGetResult", new { workflowId = enqueued });
        Assert.That(seen.GetProperty("greeting").GetString(), Is.EqualTo("hello dotnet"));
    }

    [Test]
    public async Task The_client_messages_reads_events_and_js_superjson_results_of_TypeScript_workflows()
    {
        await using var client = await DbosClient.ConnectAsync(DatabaseUrl);
        var tally = Id("tally");
        await StartTsAsync("tsReturnsTally", tally);
        var read = await (await client.RetrieveWorkflowAsync<InteropWorkflows.Tally>(tally)).GetResultAsync().WaitAsync(Bound);
        Assert.That((read.Total, read.Name), Is.EqualTo((10L, "ts")));

        var orchestrate = Id("orchestrate");
        await StartTsAsync("tsOrchestrate", orchestrate);
        await client.SendAsync(orchestrate, "yo", "reply");
        Assert.That(await client.GetEventAsync<int>(orchestrate, "done", Bound), Is.EqualTo(42));
        Assert.That(await (await client.RetrieveWorkflowAsync<string>(orchestrate)).GetResultAsync().WaitAsync(Bound), Is.EqualTo("yo:42"));
        var steps = await client.ListWorkflowStepsAsync(orchestrate);
        Assert.That(steps[0].Name, Is.EqualTo("Double"));
        Assert.That((await client.ListWorkflowsAsync(new WorkflowFilter { WorkflowIds = [tally, orchestrate] })).Select(w => w.Name),
            Is.EqualTo(new[] { "tsReturnsTally", "tsOrchestrate" }));
    }

    [Test]
    public async Task The_dbos_tool_lists_shows_and_cancels_TypeScript_workflows()
    {
        var tally = Id("tally");
        await StartTsAsync("tsReturnsTally", tally);
        await (await Runtime.RetrieveWorkflowAsync<InteropWorkflows.Tally>(tally)).GetResultAsync().WaitAsync(Bound);
        var waiting = Id("waiting");
        await StartTsAsync("tsCollect", waiting, null, 1);

        var get = await CliProcess.RunAsync(["workflow", "get", tally, "--json", "--db", DatabaseUrl]);
        Assert.That(get.ExitCode, Is.Zero, get.ToString());
        var row = JsonDocument.Parse(get.Output).RootElement;
        Assert.That((row.GetProperty("status").GetString(), row.GetProperty("name").GetString(), row.GetProperty("serialization").GetString(), row.GetProperty("executorId").GetString()),
            Is.EqualTo(("SUCCESS", "tsReturnsTally", "js_superjson", "ts-interop-peer")));
        Assert.That(row.GetProperty("output").GetProperty("json").GetProperty("total").GetString(), Is.EqualTo("10"), "the stored superjson, as it is");

        var list = await CliProcess.RunAsync(["workflow", "list", "--name", "tsReturnsTally", "--db", DatabaseUrl]);
        Assert.That(list.ExitCode, Is.Zero, list.ToString());
        Assert.That(list.Output.Split('\n').Single(l => l.Contains(tally, StringComparison.Ordinal)), Does.Contain("SUCCESS").And.Contain("ts-interop-peer"));

        var cancel = await CliProcess.RunAsync(["workflow", "cancel", waiting, "--db", DatabaseUrl]);
        Assert.That(cancel.ExitCode, Is.Zero, cancel.ToString());
        Assert.That(cancel.Output.Trim(), Is.EqualTo($"Workflow {waiting} is CANCELLED."));
        var error = (await Assert.ThrowsAsync<PeerException>(() => TsAsync("clientGetResult", new { workflowId = waiting })))!;
        Assert.That(error.ErrorMessage, Does.Contain("cancel").IgnoreCase, "DBOS TypeScript sees it cancelled");
    }
}
