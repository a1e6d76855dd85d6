using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using NUnit.Framework;

namespace Dbos.Interop.Tests;

/// <summary>
/// Cancel, resume and fork across languages: the DBOS TypeScript 5.3 client operating C# workflows as it operates its own,
/// and this SDK operating workflows DBOS TypeScript runs, so that DBOS TypeScript's executor runs the rows it wrote.
/// </summary>
public sealed class ManagementInteropTests : InteropFixture
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private async Task WaitingAsync(string workflowId)
    {
        var until = DateTime.UtcNow + Bound;
        while ((await Runtime.ListWorkflowStepsAsync(workflowId)).Count < 1)
        {
            if (DateTime.UtcNow > until)
            {
                Assert.Fail($"{workflowId} never reached its receive");
            }

            await Task.Delay(50);
        }
    }

    private static List<string?> Strings(JsonElement value) => JsonSerializer.Deserialize<List<string?>>(value)!;

    [Test]
    public async Task The_client_cancels_and_resumes_a_CSharp_workflow_as_it_does_a_TypeScript_one()
    {
        var cs = Id("cs");
        var ts = Id("ts");
        var handle = await StartCsAsync(cs, () => InteropWorkflows.Collect(null, 1));
        await StartTsAsync("tsCollect", ts, null, 1);
        await WaitingAsync(cs);
        await WaitingAsync(ts);

        await TsAsync("clientCancel", new { workflowId = cs });
        await TsAsync("clientCancel", new { workflowId = ts });
        await Assert.ThrowsAsync<AwaitedWorkflowCancelledException>(() => handle.GetResultAsync().WaitAsync(Bound));
        var csError = (await Assert.ThrowsAsync<PeerException>(() => TsAsync("clientGetResult", new { workflowId = cs })))!;
        var tsError = (await Assert.ThrowsAsync<PeerException>(() => TsAsync("clientGetResult", new { workflowId = ts })))!;
        Assert.That(csError.ErrorClass, Is.EqualTo(tsError.ErrorClass), "the client sees a cancelled C# workflow as a cancelled TypeScript one");

        // The message sent while it is cancelled waits for it; the resumed workflow receives it.
        await TsAsync("clientSend", new { destination = cs, message = "after resume" });
        await TsAsync("clientSend", new { destination = ts, message = "after resume" });
        Assert.That((await Runtime.GetWorkflowStatusAsync(cs))!.Status, Is.EqualTo(WorkflowStatuses.Cancelled), "a cancelled workflow consumes nothing");

        await TsAsync("clientResume", new { workflowId = cs });
        await TsAsync("clientResume", new { workflowId = ts });
        var csResult = Strings(await TsAsync("clientGetResult", new { workflowId = cs }));
        var tsResult = Strings(await TsAsync("clientGetResult", new { workflowId = ts }));
        Assert.That(csResult, Is.EqualTo(tsResult));
        Assert.That(csResult, Is.EqualTo(new[] { "after resume" }));
        Assert.That(await (await Runtime.RetrieveWorkflowAsync<List<string?>>(cs)).GetResultAsync().WaitAsync(Bound), Is.EqualTo(csResult));
    }

    [Test]
    public async Task The_client_forks_a_CSharp_workflow_as_it_forks_a_TypeScript_one()
    {
        var cs = Id("cs");
        var ts = Id("ts");
        var handle = await StartCsAsync(cs, () => InteropWorkflows.Orchestrate());
        await StartTsAsync("tsOrchestrate", ts);
        await TsAsync("clientSend", new { destination = cs, message = "pong", topic = "reply" });
        await TsAsync("clientSend", new { destination = ts, message = "pong", topic = "reply" });
        Assert.That(await handle.GetResultAsync(), Is.EqualTo("pong:42"));
        await TsAsync("clientGetResult", new { workflowId = ts });

        // From step 3: Double, the send and the receive (of "pong") replay; setEvent and the sleep run again.
        var csFork = (await TsAsync("clientFork", new { workflowId = cs, startStep = 3, newWorkflowID = Id("cs-fork") })).GetString()!;
        var tsFork = (await TsAsync("clientFork", new { workflowId = ts, startStep = 3, newWorkflowID = Id("ts-fork") })).GetString()!;
        var csResult = await TsAsync("clientGetResult", new { workflowId = csFork });
        Assert.That(csResult.GetRawText(), Is.EqualTo((await TsAsync("clientGetResult", new { workflowId = tsFork })).GetRawText()));
        Assert.That(csResult.GetString(), Is.EqualTo("pong:42"));

        static List<string> Names(JsonElement steps) => steps.EnumerateArray().Select(s => s.GetProperty("functionID").GetInt32() + " " + s.GetProperty("name").GetString()).ToList();
        Assert.That(Names(await TsAsync("clientListSteps", new { workflowId = csFork })), Is.EqualTo(Names(await TsAsync("clientListSteps", new { workflowId = tsFork }))));

        var forked = (await Runtime.GetWorkflowStatusAsync(csFork))!;
        Assert.That(forked.ForkedFrom, Is.EqualTo(cs));
        Assert.That(forked.ApplicationVersion, Is.EqualTo(Runtime.ApplicationVersion), "run by the C# runtime, which dequeued it");
        Assert.That((await Runtime.GetWorkflowStatusAsync(cs))!.WasForkedFrom, Is.True);
    }

    [Test]
    public async Task Workflows_DBOS_TypeScript_runs_are_cancelled_resumed_and_forked_from_CSharp()
    {
        var ts = Id("ts");
        await StartTsAsync("tsCollect", ts, null, 1);
        await WaitingAsync(ts);

        await DBOS.CancelWorkflowAsync(ts);
        var cancelled = (await Assert.ThrowsAsync<PeerException>(() => TsAsync("clientGetResult", new { workflowId = ts })))!;
        Assert.That(cancelled.ErrorClass, Does.Contain("Cancelled"));

        var resumed = await DBOS.ResumeWorkflowAsync<List<string?>>(ts);
        await DBOS.SendAsync(ts, "from C#");
        Assert.That(Strings(await TsAsync("clientGetResult", new { workflowId = ts })), Is.EqualTo(new[] { "from C#" }), "DBOS TypeScript ran the resumed workflow");
        Assert.That(await resumed.GetResultAsync().WaitAsync(Bound), Is.EqualTo(new[] { "from C#" }));

        var greeted = Id("ts-greet");
        await StartTsAsync("tsGreet", greeted, "again");
        await TsAsync("clientGetResult", new { workflowId = greeted });
        var fork = await DBOS.ForkWorkflowAsync(greeted, 0, new WorkflowOptions { WorkflowId = Id("ts-greet-fork") });
        var forkResult = await TsAsync("clientGetResult", new { workflowId = fork.WorkflowId });
        Assert.That(forkResult.GetRawText(), Is.EqualTo((await TsAsync("clientGetResult", new { workflowId = greeted })).GetRawText()), "DBOS TypeScript ran the fork C# wrote");
        Assert.That((await Runtime.GetWorkflowStatusAsync(fork.WorkflowId))!.ForkedFrom, Is.EqualTo(greeted));
    }
}
