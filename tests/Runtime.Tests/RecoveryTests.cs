using System;
using System.Threading.Tasks;
using NUnit.Framework;

namespace Dbos.Tests;

/// <summary>Recovery within one test process: a runtime is shut down while a workflow waits (as if the process had
/// died), and a new runtime on the same database resumes it.</summary>
public sealed class RecoveryTests(string engine) : EngineTest(engine)
{
    private async Task<DbosRuntime> StartBlockedAsync(string workflowId, Func<Task> start, string gateKey, int stepsBeforeGate = 1)
    {
        var runtime = await LaunchAsync();
        using (new SetWorkflowID(workflowId))
        {
            await start();
        }

        await EventuallyAsync(async () => await StepCountAsync(workflowId) >= stepsBeforeGate, $"{workflowId} reached its gate");
        await runtime.ShutdownAsync();
        Assert.That(await StatusAsync(workflowId), Is.EqualTo(WorkflowStatuses.Pending));
        return runtime;
    }

    [Test]
    public async Task Recovery_resumes_a_pending_workflow_without_rerunning_completed_steps()
    {
        await StartBlockedAsync("resume-me", () => DBOS.StartWorkflowAsync(() => BasicWorkflows.Gated("g")), "g");

        var second = await LaunchAsync();
        var handle = await second.RetrieveWorkflowAsync<string>("resume-me");
        Probe.Open("g");
        Assert.That(await handle.GetResultAsync(), Is.EqualTo("first,second"));
        Assert.That(Probe.Count("g:first"), Is.EqualTo(1), "the checkpointed step was not run again");
        Assert.That(Probe.Count("g:second"), Is.EqualTo(1));
        var attempts = await QueryAsync("SELECT recovery_attempts, status FROM {s}workflow_status WHERE workflow_uuid = 'resume-me'");
        Assert.That(Convert.ToInt64(attempts[0][0], System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(2));
        Assert.That(attempts[0][1], Is.EqualTo(WorkflowStatuses.Success));
    }

    [Test]
    public async Task A_recorded_step_error_is_replayed_with_its_type_instead_of_running_the_step()
    {
        await StartBlockedAsync("replay-error", () => DBOS.StartWorkflowAsync(() => BasicWorkflows.CatchesStepError("e")), "e");
        Assert.That(Probe.Count("e:fails"), Is.EqualTo(1));

        var second = await LaunchAsync();
        var handle = await second.RetrieveWorkflowAsync<string>("replay-error");
        Probe.Open("e");
        Assert.That(await handle.GetResultAsync(), Is.EqualTo("caught boom"), "the replayed error is an InvalidOperationException again");
        Assert.That(Probe.Count("e:fails"), Is.EqualTo(1), "the failed step was not run again");
    }

    [Test]
    public async Task A_different_operation_at_a_recorded_step_raises_the_unexpected_step_error()
    {
        Probe.SetFlag("nd", true);
        await StartBlockedAsync("non-deterministic", () => DBOS.StartWorkflowAsync(() => BasicWorkflows.NonDeterministic("nd")), "nd");

        Probe.SetFlag("nd", false); // the code now takes the other branch: StepB where StepA was recorded
        var second = await LaunchAsync();
        var handle = await second.RetrieveWorkflowAsync<string>("non-deterministic");
        var error = await Assert.ThrowsAsync<UnexpectedStepException>(() => handle.GetResultAsync());
        Assert.That(error!.StepId, Is.EqualTo(0));
        Assert.That(error.RecordedName, Is.EqualTo("StepA"));
        Assert.That(error.ExpectedName, Is.EqualTo("StepB"));
        Assert.That(error.Message, Does.Contain("deterministic"));
        Assert.That(await StatusAsync("non-deterministic"), Is.EqualTo(WorkflowStatuses.Error));
        Assert.That(Probe.Count("B"), Is.Zero);
    }

    [Test]
    public async Task A_workflow_recovered_more_than_its_limit_is_dead_lettered()
    {
        // MaxRecoveryAttempts = 1: the start counts 1, one recovery makes 2, the next claim (3) exceeds the limit.
        await StartBlockedAsync("dead-letter", () => DBOS.StartWorkflowAsync(() => BasicWorkflows.LimitedRecovery("dl")), "dl", stepsBeforeGate: 0);
        var second = await LaunchAsync();
        Assert.That(await StatusAsync("dead-letter"), Is.EqualTo(WorkflowStatuses.Pending));
        await second.ShutdownAsync();

        var third = await LaunchAsync();
        Assert.That(await StatusAsync("dead-letter"), Is.EqualTo(WorkflowStatuses.MaxRecoveryAttemptsExceeded));
        var handle = await third.RetrieveWorkflowAsync<string>("dead-letter");
        await Assert.ThrowsAsync<AwaitedWorkflowMaxRecoveryAttemptsExceededException>(() => handle.GetResultAsync());
        Probe.Open("dl");
        await Task.Delay(200);
        Assert.That(await StatusAsync("dead-letter"), Is.EqualTo(WorkflowStatuses.MaxRecoveryAttemptsExceeded), "a dead-lettered workflow is not run again");
    }

    [Test]
    public async Task A_pending_workflow_with_an_unknown_name_is_logged_and_left_untouched()
    {
        var runtime = await LaunchAsync();
        var version = runtime.ApplicationVersion;
        await runtime.ShutdownAsync();
        await QueryAsync(
            "INSERT INTO {s}workflow_status (workflow_uuid, status, name, class_name, executor_id, application_version, recovery_attempts, owner_xid, created_at, updated_at) " +
            "VALUES ('unknown', 'PENDING', 'NoSuchWorkflow', 'Nowhere', 'local', @p1, 1, 'x', 1, 1)", version);

        await LaunchAsync();
        var row = await QueryAsync("SELECT status, recovery_attempts, owner_xid FROM {s}workflow_status WHERE workflow_uuid = 'unknown'");
        Assert.That(row[0][0], Is.EqualTo(WorkflowStatuses.Pending));
        Assert.That(Convert.ToInt64(row[0][1], System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(1));
        Assert.That(row[0][2], Is.EqualTo("x"));
    }

    [Test]
    public async Task Workflows_of_another_executor_or_version_are_not_recovered()
    {
        await StartBlockedAsync("other-executor", () => DBOS.StartWorkflowAsync(() => BasicWorkflows.Gated("oe")), "oe");
        await LaunchAsync(o => o.ExecutorId = "someone-else");
        await LaunchAsync(o => o.ApplicationVersion = "another-version");
        Probe.Open("oe");
        await Task.Delay(300);
        Assert.That(await StatusAsync("other-executor"), Is.EqualTo(WorkflowStatuses.Pending));
        Assert.That(Probe.Count("oe:second"), Is.Zero);
    }
}
