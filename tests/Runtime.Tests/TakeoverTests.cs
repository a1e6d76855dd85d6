using System;
using System.Threading.Tasks;
using NUnit.Framework;

namespace Dbos.Tests;

/// <summary>Takeover within one test process: a runtime of another executor id claims the workflows of a runtime that is gone,
/// and leaves alone those whose owner it cannot prove gone (DBOS TypeScript/Python tokens). The multi-process cases (a SIGKILLed
/// process, a live one) are in MultiProcessRecoveryTests and QueueFleetTests.</summary>
public sealed class TakeoverTests(string engine) : EngineTest(engine)
{
    [Test]
    public async Task Workflows_of_a_gone_runtime_are_taken_over_and_those_of_a_foreign_executor_are_left_alone()
    {
        var first = await LaunchAsync(o => o.ExecutorId = "exec-a");
        using (new SetWorkflowID("orphan"))
        {
            await DBOS.StartWorkflowAsync(() => BasicWorkflows.Gated("tk"));
        }

        await EventuallyAsync(async () => await StepCountAsync("orphan") >= 1, "orphan reached its gate");
        var version = first.ApplicationVersion;
        await first.ShutdownAsync(); // its instance is no longer alive: the workflow stays PENDING with a gone owner
        var identity = await QueryAsync("SELECT name, class_name FROM {s}workflow_status WHERE workflow_uuid = 'orphan'");

        // As a DBOS TypeScript executor leaves a workflow it runs: its own token, which proves nothing about its liveness.
        await QueryAsync(
            "INSERT INTO {s}workflow_status (workflow_uuid, status, name, class_name, executor_id, application_version, recovery_attempts, owner_xid, created_at, updated_at) " +
            "VALUES ('foreign', 'PENDING', @p1, @p2, 'ts-executor', @p3, 1, '3f2a7c1e-5b7d-4a8e-9c3d-2e1f0a9b8c7d', 1, 1)", identity[0][0], identity[0][1], version);

        var second = await LaunchAsync(o =>
        {
            o.ExecutorId = "exec-b";
            o.TakeOverDeadExecutors = true;
            o.TakeoverInterval = TimeSpan.FromMilliseconds(100);
        });
        Assert.That(second.ApplicationVersion, Is.EqualTo(version));
        await EventuallyAsync(async () => await CountAsync("SELECT COUNT(*) FROM {s}workflow_status WHERE workflow_uuid = 'orphan' AND executor_id = 'exec-b'") == 1, "exec-b took over the orphan");
        Probe.Open("tk");
        var handle = await DBOS.RetrieveWorkflowAsync<string>("orphan");
        Assert.That(await handle.GetResultAsync(), Is.EqualTo("first,second"));
        Assert.That(Probe.Count("tk:first"), Is.EqualTo(1), "the step checkpointed before the takeover did not run again");
        Assert.That(Probe.Count("tk:second"), Is.EqualTo(1));

        Assert.That(await second.TakeOverDeadExecutorsAsync(default), Is.Empty, "nothing else to take");
        var foreign = await QueryAsync("SELECT status, executor_id, owner_xid, recovery_attempts FROM {s}workflow_status WHERE workflow_uuid = 'foreign'");
        Assert.That(foreign[0][0], Is.EqualTo(WorkflowStatuses.Pending));
        Assert.That(foreign[0][1], Is.EqualTo("ts-executor"));
        Assert.That(foreign[0][2], Is.EqualTo("3f2a7c1e-5b7d-4a8e-9c3d-2e1f0a9b8c7d"));
        Assert.That(Convert.ToInt64(foreign[0][3], System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(1));
    }
}
