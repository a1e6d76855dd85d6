using System;
using System.Linq;
using System.Threading.Tasks;
using NUnit.Framework;

namespace Dbos.Tests.Versioning;

/// <summary>DBOS.PatchAsync and DeprecatePatchAsync: which branch a workflow takes when its code changed under it, and the marker
/// rows DBOS writes for them. A runtime is shut down while the workflow waits (as a deploy stops the old process), the code is
/// changed (Probe flags), and a new runtime recovers the workflow.</summary>
public sealed class PatchTests(string engine) : EngineTest(engine)
{
    private const string Marker = "DBOS.patch-" + PricingWorkflows.Patch;

    private async Task StartAndStopAsync(string key, bool gateFirst = false)
    {
        var runtime = await LaunchAsync();
        using (new SetWorkflowID(key))
        {
            await DBOS.StartWorkflowAsync(() => PricingWorkflows.Price(key, gateFirst));
        }

        await EventuallyAsync(async () => await StepCountAsync(key) >= (gateFirst ? 1 : 2), $"{key} reached its gate");
        await runtime.ShutdownAsync();
        Assert.That(await StatusAsync(key), Is.EqualTo(WorkflowStatuses.Pending));
    }

    private async Task<string> RecoverAsync(string key)
    {
        var runtime = await LaunchAsync();
        var handle = await runtime.RetrieveWorkflowAsync<string>(key);
        Probe.Open(key);
        return await handle.GetResultAsync().WaitAsync(TimeSpan.FromSeconds(30));
    }

    private async Task<string[]> StepNamesAsync(string workflowId)
        => (await QueryAsync("SELECT function_name FROM {s}operation_outputs WHERE workflow_uuid = @p1 ORDER BY function_id", workflowId))
            .Select(r => (string)r[0]!).ToArray();

    [Test]
    public async Task A_new_workflow_takes_the_patched_branch_and_records_the_marker_DBOS_records()
    {
        await LaunchAsync();
        PricingWorkflows.UsePatchedCode("fresh");
        Probe.Open("fresh");
        using (new SetWorkflowID("fresh"))
        {
            Assert.That(await PricingWorkflows.Price("fresh", false), Is.EqualTo("order,new"));
        }

        Assert.That(await StepNamesAsync("fresh"), Is.EqualTo(new[] { "Record", Marker, "NewPrice", "WaitGate" }));
        var marker = await QueryAsync("SELECT function_id, output, error, child_workflow_id FROM {s}operation_outputs WHERE workflow_uuid = 'fresh' AND function_name = @p1", Marker);
        Assert.That(Convert.ToInt64(marker[0][0], System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(1));
        Assert.That(marker[0][1], Is.Null, "the marker has no output, as in DBOS");
        Assert.That(marker[0][2], Is.Null);
        Assert.That(marker[0][3], Is.Null);
        var steps = await DBOS.ListWorkflowStepsAsync("fresh");
        Assert.That(steps.Select(s => s.Name), Does.Contain(Marker));
    }

    [Test]
    public async Task A_workflow_that_ran_the_old_code_keeps_the_old_branch_when_recovered_by_the_patched_code()
    {
        PricingWorkflows.UseOldCode("old-run");
        await StartAndStopAsync("old-run");

        PricingWorkflows.UsePatchedCode("old-run");
        Assert.That(await RecoverAsync("old-run"), Is.EqualTo("order,old"));
        Assert.That(Probe.Count("old-run:old"), Is.EqualTo(1), "the recorded old step was replayed, not run again");
        Assert.That(Probe.Count("old-run:new"), Is.Zero);
        Assert.That(await StepNamesAsync("old-run"), Is.EqualTo(new[] { "Record", "OldPrice", "WaitGate" }), "no marker where the old step is recorded");
    }

    [Test]
    public async Task A_workflow_stopped_before_the_patch_takes_the_new_branch_when_recovered()
    {
        PricingWorkflows.UseOldCode("before");
        await StartAndStopAsync("before", gateFirst: true);

        PricingWorkflows.UsePatchedCode("before");
        Assert.That(await RecoverAsync("before"), Is.EqualTo("order,new"));
        Assert.That(Probe.Count("before:old"), Is.Zero);
        Assert.That(await StepNamesAsync("before"), Is.EqualTo(new[] { "Record", "WaitGate", Marker, "NewPrice" }));
    }

    [Test]
    public async Task A_patched_workflow_replays_the_patched_branch()
    {
        PricingWorkflows.UsePatchedCode("replay");
        await StartAndStopAsync("replay");

        Assert.That(await RecoverAsync("replay"), Is.EqualTo("order,new"));
        Assert.That(Probe.Count("replay:new"), Is.EqualTo(1), "NewPrice was replayed after the marker");
        Assert.That((await StepNamesAsync("replay")).Count(n => n == Marker), Is.EqualTo(1));
    }

    [Test]
    public async Task A_deprecated_patch_skips_the_markers_of_patched_workflows_and_records_none_for_new_ones()
    {
        PricingWorkflows.UsePatchedCode("deprecated");
        await StartAndStopAsync("deprecated");

        PricingWorkflows.UseDeprecatedPatch("deprecated");
        Assert.That(await RecoverAsync("deprecated"), Is.EqualTo("order,new"));
        Assert.That(Probe.Count("deprecated:new"), Is.EqualTo(1), "the recorded NewPrice after the marker was replayed");

        PricingWorkflows.UseDeprecatedPatch("after");
        Probe.Open("after");
        using (new SetWorkflowID("after"))
        {
            Assert.That(await PricingWorkflows.Price("after", false), Is.EqualTo("order,new"));
        }

        Assert.That(await StepNamesAsync("after"), Is.EqualTo(new[] { "Record", "NewPrice", "WaitGate" }));
    }

    [Test]
    public async Task Old_code_recovering_a_patched_workflow_fails_with_advice_about_patches()
    {
        PricingWorkflows.UsePatchedCode("rollback");
        await StartAndStopAsync("rollback");

        PricingWorkflows.UseOldCode("rollback");
        var runtime = await LaunchAsync();
        var handle = await runtime.RetrieveWorkflowAsync<string>("rollback");
        Probe.Open("rollback");
        var error = await Assert.ThrowsAsync<UnexpectedStepException>(() => handle.GetResultAsync().WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.That(error!.RecordedName, Is.EqualTo(Marker));
        Assert.That(error.ExpectedName, Is.EqualTo("OldPrice"));
        Assert.That(error.Message, Does.Contain("patches"));
    }

    [Test]
    public async Task Patching_outside_a_workflow_body_or_without_a_name_is_refused()
    {
        await LaunchAsync();
        var outside = await Assert.ThrowsAsync<InvalidOperationException>(() => DBOS.PatchAsync("x"));
        Assert.That(outside!.Message, Does.Contain("only be called in a workflow's body"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => DBOS.DeprecatePatchAsync("x"));
        await Assert.ThrowsAsync<ArgumentException>(() => DBOS.PatchAsync(" "));

        using (new SetWorkflowID("in-step"))
        {
            await Assert.ThrowsAsync<InvalidOperationException>(() => PricingWorkflows.PatchInStep());
        }

        Assert.That(await StepNamesAsync("in-step"), Has.None.StartsWith("DBOS.patch-"));
    }
}
