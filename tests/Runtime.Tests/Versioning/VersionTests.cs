using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Dbos.Tests.Context;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using NUnit.Framework;

namespace Dbos.Tests.Versioning;

/// <summary>Workflows left by another application version: reported at start, by the health check, the metric and a waiting
/// handle; moved onto this version with a fork; and the registered versions, listed and promoted.</summary>
public sealed class VersionTests(string engine) : EngineTest(engine)
{
    private CapturingLoggerProvider _logs = new();

    private Task<DbosRuntime> LaunchVersionAsync(string version)
    {
        _logs = new CapturingLoggerProvider();
        var factory = LoggerFactory.Create(b => b.AddProvider(_logs));
        return LaunchAsync(o =>
        {
            o.ApplicationVersion = version;
            o.LoggerFactory = factory;
        });
    }

    /// <summary>A workflow of version <paramref name="version"/> left PENDING at its gate by a stopped process.</summary>
    private async Task LeavePendingAsync(string workflowId, string version)
    {
        var runtime = await LaunchVersionAsync(version);
        using (new SetWorkflowID(workflowId))
        {
            await DBOS.StartWorkflowAsync(() => BasicWorkflows.Gated(workflowId));
        }

        await EventuallyAsync(async () => await StepCountAsync(workflowId) >= 1, $"{workflowId} reached its gate");
        await runtime.ShutdownAsync();
    }

    private bool Logged(string text) => _logs.Entries.Any(e => e.Message.Contains(text, StringComparison.Ordinal));

    [Test]
    public async Task A_process_of_another_version_reports_the_pending_workflows_it_will_not_recover()
    {
        await LeavePendingAsync("left-1", "v1");
        await LeavePendingAsync("left-2", "v1");

        var v2 = await LaunchVersionAsync("v2");
        Assert.That(Logged("2 workflows of application version v1 are pending (2 PENDING, 0 ENQUEUED); this process runs version v2 and will not recover or dequeue them"),
            Is.True, string.Join("\n", _logs.Entries.Select(e => e.Message)));
        Assert.That(Logged("docs/versioning.md"), Is.True);
        Assert.That(await StatusAsync("left-1"), Is.EqualTo(WorkflowStatuses.Pending), "not recovered by v2");
        Assert.That(Probe.Count("left-1:first"), Is.EqualTo(1));

        var check = new DbosHealthCheck(v2);
        var result = await check.CheckHealthAsync(new HealthCheckContext { Registration = new HealthCheckRegistration("dbos", check, null, null) });
        Assert.That(result.Status, Is.EqualTo(HealthStatus.Healthy), "a drain in progress is not a failure");
        Assert.That(result.Data["other_versions_pending"], Is.EqualTo(2L));
        Assert.That(result.Description, Does.Contain("2 workflows of other application versions (2 of v1) are pending"));

        Assert.That(ObserveOtherVersions(v2), Is.EqualTo(2L));
    }

    [Test]
    public async Task A_handle_waiting_on_a_workflow_of_another_version_says_why_it_does_not_end()
    {
        await LeavePendingAsync("stuck", "v1");
        var v2 = await LaunchVersionAsync("v2");
        var handle = await v2.RetrieveWorkflowAsync<string>("stuck");
        using var stop = new CancellationTokenSource();
        var waiting = handle.GetResultAsync(stop.Token);
        await EventuallyAsync(() => Task.FromResult(Logged("Waiting for workflow stuck, which is PENDING under application version v1; this process runs version v2 and will not run it")),
            "the handle logged why it waits");
        var status = await handle.GetStatusAsync();
        Assert.That(status!.ApplicationVersion, Is.EqualTo("v1"), "the status names the version");
        await stop.CancelAsync();
        await Assert.CatchAsync<OperationCanceledException>(() => waiting);
    }

    [Test]
    public async Task A_fork_onto_this_version_runs_a_workflow_another_version_left_behind()
    {
        await LeavePendingAsync("to-fork", "v1");
        var v2 = await LaunchVersionAsync("v2");
        Probe.Open("to-fork");

        var forked = await v2.ForkWorkflowAsync<string>("to-fork", 1, new WorkflowOptions { ApplicationVersion = v2.ApplicationVersion });
        Assert.That(await forked.GetResultAsync().WaitAsync(TimeSpan.FromSeconds(30)), Is.EqualTo("first,second"));
        Assert.That(Probe.Count("to-fork:first"), Is.EqualTo(1), "the step before the fork's start step was copied, not run again");
        var row = await QueryAsync("SELECT application_version, status FROM {s}workflow_status WHERE workflow_uuid = @p1", forked.WorkflowId);
        Assert.That(row[0][0], Is.EqualTo("v2"));
        Assert.That(row[0][1], Is.EqualTo(WorkflowStatuses.Success));

        await v2.RefreshVersionsAsync(CancellationToken.None);
        Assert.That(v2.OtherVersionsUnfinished, Is.EqualTo(1L), "the original stays PENDING under v1 until cancelled");
        await v2.CancelWorkflowAsync("to-fork");
        await v2.RefreshVersionsAsync(CancellationToken.None);
        Assert.That(v2.OtherVersionsUnfinished, Is.Zero);
    }

    [Test]
    public async Task Registered_versions_are_listed_latest_first_and_one_can_be_made_the_latest_again()
    {
        await (await LaunchVersionAsync("v1")).ShutdownAsync();
        var v2 = await LaunchVersionAsync("v2");
        Assert.That((await v2.ListApplicationVersionsAsync()).Select(v => v.VersionName), Is.EqualTo(new[] { "v2", "v1" }));

        await DBOS.SetLatestApplicationVersionAsync("v1");
        var versions = await DBOS.ListApplicationVersionsAsync();
        Assert.That(versions.Select(v => v.VersionName), Is.EqualTo(new[] { "v1", "v2" }));
        Assert.That(versions[0].Timestamp, Is.GreaterThan(versions[1].Timestamp));
        Assert.That(versions[0].CreatedAt, Is.LessThanOrEqualTo(versions[1].CreatedAt), "promoting keeps the creation time");

        var unknown = await Assert.ThrowsAsync<ArgumentException>(() => v2.SetLatestApplicationVersionAsync("v9"));
        Assert.That(unknown!.Message, Does.Contain("No application version 'v9' is registered").And.Contain("v1, v2"));
        Assert.That((await v2.ListApplicationVersionsAsync())[0].VersionName, Is.EqualTo("v1"), "nothing changed");

        // A restart of v2 no longer makes it the latest: only a new version or a promotion does.
        await v2.ShutdownAsync();
        await LaunchVersionAsync("v2");
        Assert.That(Logged("Application version v2 is not the latest registered version"), Is.True);
    }

    private static long? ObserveOtherVersions(DbosRuntime runtime)
    {
        long? observed = null;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Dbos" && instrument.Name == "dbos.workflow.other_versions")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            var tagList = tags.ToArray();
            if (tagList.Any(t => t.Key == "dbos.application.version" && Equals(t.Value, runtime.ApplicationVersion))
                && tagList.Any(t => t.Key == "dbos.executor.id" && Equals(t.Value, runtime.ExecutorId)))
            {
                observed = value;
            }
        });
        listener.Start();
        listener.RecordObservableInstruments();
        return observed;
    }
}
