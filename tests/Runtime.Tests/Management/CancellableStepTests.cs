using System;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;

namespace Dbos.Tests.Management;

/// <summary>Beyond DBOS: a step that takes a CancellationToken gets one that fires when its workflow is cancelled (here or by
/// another process) or times out, so a long call inside it ends at once.</summary>
public sealed class CancellableStepTests(string engine) : ManagementTest(engine)
{
    private static async Task<WorkflowHandle<string>> StartAsync(string workflowId)
    {
        using (new SetWorkflowID(workflowId))
        {
            return await DBOS.StartWorkflowAsync(() => CancellableWorkflows.WaitsInACancellableStep(workflowId));
        }
    }

    private async Task AssertStoppedInTheStepAsync(string workflowId, WorkflowHandle<string> handle)
    {
        await Assert.ThrowsAsync<AwaitedWorkflowCancelledException>(() => handle.GetResultAsync().WaitAsync(Bound));
        await EventuallyAsync(() => Task.FromResult(Probe.Count(workflowId + ":token fired") == 1), "the step's token fired");
        Assert.That(Probe.Count(workflowId + ":after"), Is.Zero);
        Assert.That(await StepCountAsync(workflowId), Is.EqualTo(1), "the cancelled step recorded nothing");
        Assert.That(await StatusAsync(workflowId), Is.EqualTo(WorkflowStatuses.Cancelled));
    }

    [Test]
    public async Task A_cancel_fires_the_token_of_the_running_step()
    {
        await LaunchAsync();
        var handle = await StartAsync("token-cancel");
        await EventuallyAsync(async () => await StepCountAsync("token-cancel") >= 1, "the workflow is in its step");
        await DBOS.CancelWorkflowAsync("token-cancel");
        await AssertStoppedInTheStepAsync("token-cancel", handle);
    }

    [Test]
    public async Task A_cancel_by_another_process_fires_the_token_of_the_running_step()
    {
        await LaunchAsync();
        var handle = await StartAsync("token-elsewhere");
        await EventuallyAsync(async () => await StepCountAsync("token-elsewhere") >= 1, "the workflow is in its step");
        await QueryAsync("UPDATE {s}workflow_status SET status = 'CANCELLED', owner_xid = NULL WHERE workflow_uuid = 'token-elsewhere'");
        await AssertStoppedInTheStepAsync("token-elsewhere", handle);
    }

    [Test]
    public async Task A_timeout_fires_the_token_of_the_running_step()
    {
        await LaunchAsync();
        WorkflowHandle<string> handle;
        using (new SetWorkflowTimeout(TimeSpan.FromMilliseconds(300)))
        {
            handle = await StartAsync("token-timeout");
        }

        await AssertStoppedInTheStepAsync("token-timeout", handle);
    }

    [Test]
    public async Task Outside_a_workflow_the_step_gets_the_callers_token()
    {
        await LaunchAsync();
        Assert.That(CancellableWorkflows.TokenCanFire(CancellationToken.None), Is.False, "a plain call: the token as passed");
        using var cts = new CancellationTokenSource();
        Assert.That(CancellableWorkflows.TokenCanFire(cts.Token), Is.True);
        Assert.That(await CancellableWorkflows.AsksWhetherItsTokenCanFire(), Is.True, "in a workflow: the workflow's token");
    }
}
