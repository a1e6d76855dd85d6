using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using NUnit.Framework;

namespace Dbos.Tests.Versioning;

/// <summary>A deploy that changes a workflow, with real processes: the test app built twice (Dbos.TestApp is version A of
/// VersionedWorkflows.Checkout, Dbos.TestApp.B changes its pricing behind DBOS.PatchAsync). A workflow is started under A and
/// that process stops; then B starts.</summary>
public sealed class TwoBuildsTests(string engine) : EngineTest(engine)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private static readonly Dictionary<string, string> Computed = new();

    private readonly List<TestApp> _apps = new();

    [TearDown]
    public async Task StopApps()
    {
        foreach (var app in _apps)
        {
            await app.KillAsync();
            app.Dispose();
        }

        _apps.Clear();
    }

    private TestApp Start(string build, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var app = TestApp.Start(build, environment, arguments);
        _apps.Add(app);
        return app;
    }

    /// <summary>Runs build A until its Checkout workflow has priced and waits for its message; returns A's application version.</summary>
    private async Task<string> StartUnderAAsync(string workflowId, IReadOnlyDictionary<string, string> environment)
    {
        var a = Start("Dbos.TestApp", environment, "version-start", Database, workflowId);
        Assert.That(await a.WaitForResultAsync(Bound), Is.EqualTo("started"));
        Assert.That(await StatusAsync(workflowId), Is.EqualTo(WorkflowStatuses.Pending));
        return await a.WaitForLineAsync("VERSION ", Bound);
    }

    private static async Task WaitForOutputAsync(TestApp app, string text)
    {
        var until = DateTime.UtcNow + Bound;
        while (!app.Output.Contains(text, StringComparison.Ordinal))
        {
            if (app.HasExited || DateTime.UtcNow > until)
            {
                Assert.Fail($"The test app did not print '{text}'. Output:\n{app.Output}");
            }

            await Task.Delay(50);
        }
    }

    [Test]
    public async Task B_warns_about_the_workflow_of_A_and_a_fork_onto_B_runs_it_with_the_new_code()
    {
        var versionA = await StartUnderAAsync("checkout-1", Computed);
        var b = Start("Dbos.TestApp.B", Computed, "version-serve", Database);
        var versionB = await b.WaitForLineAsync("VERSION ", Bound);
        Assert.That(versionB, Is.Not.EqualTo(versionA), "the changed workflow body changes the computed version");
        await WaitForOutputAsync(b, $"1 workflows of application version {versionA} are pending (1 PENDING, 0 ENQUEUED); this process runs version {versionB} and will not recover or dequeue them");

        await b.WaitForLineAsync("READY", Bound);
        Assert.That(await StatusAsync("checkout-1"), Is.EqualTo(WorkflowStatuses.Pending), "B did not recover A's workflow");

        // The operator moves the workflow onto B, from the priced step on; B's code takes the patched branch there.
        var operatorRuntime = await LaunchAsync(o => o.RecoverPendingWorkflows = false);
        var forked = await operatorRuntime.ForkWorkflowAsync<string>("checkout-1", 1, new WorkflowOptions { WorkflowId = "checkout-1-on-b", ApplicationVersion = versionB });
        await EventuallyAsync(async () => await StatusAsync("checkout-1-on-b") == WorkflowStatuses.Pending, "B dequeued the fork");
        await DBOS.SendAsync("checkout-1-on-b", "go", "go");
        Assert.That(await forked.GetResultAsync().WaitAsync(Bound), Is.EqualTo("reserved-checkout-1,new-price,go"));
        var steps = await DBOS.ListWorkflowStepsAsync("checkout-1-on-b");
        Assert.That(steps.Select(s => s.Name).Take(3), Is.EqualTo(new[] { "Reserve", "DBOS.patch-new-pricing", "NewPrice" }));
        var row = await QueryAsync("SELECT application_version, executor_id FROM {s}workflow_status WHERE workflow_uuid = 'checkout-1-on-b'");
        Assert.That(row[0][0], Is.EqualTo(versionB));
    }

    [Test]
    public async Task With_the_version_pinned_B_recovers_the_workflow_of_A_and_its_patch_keeps_the_old_branch()
    {
        var pinned = new Dictionary<string, string> { ["DBOS__APPVERSION"] = "checkout-pinned" };
        Assert.That(await StartUnderAAsync("checkout-2", pinned), Is.EqualTo("checkout-pinned"));

        var b = Start("Dbos.TestApp.B", pinned, "version-serve", Database);
        Assert.That(await b.WaitForLineAsync("VERSION ", Bound), Is.EqualTo("checkout-pinned"));
        await b.WaitForLineAsync("READY", Bound);
        Assert.That(b.Output, Does.Not.Contain("workflows of application version"), "nothing is left behind by another version");

        await LaunchAsync(o => o.RecoverPendingWorkflows = false);
        await DBOS.SendAsync("checkout-2", "go", "go");
        var handle = await DBOS.RetrieveWorkflowAsync<string>("checkout-2");
        Assert.That(await handle.GetResultAsync().WaitAsync(Bound), Is.EqualTo("reserved-checkout-2,old-price,go"), "B replayed A's recorded price");
        var steps = (await DBOS.ListWorkflowStepsAsync("checkout-2")).Select(s => s.Name).ToArray();
        Assert.That(steps, Does.Not.Contain("DBOS.patch-new-pricing"));
        Assert.That(steps.Take(2), Is.EqualTo(new[] { "Reserve", "OldPrice" }));
        Assert.That(await CountAsync("SELECT recovery_attempts FROM {s}workflow_status WHERE workflow_uuid = 'checkout-2'"), Is.EqualTo(2), "B recovered it once");
    }
}
