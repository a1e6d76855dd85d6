using System;
using System.Diagnostics;
using System.Threading.Tasks;
using NUnit.Framework;

namespace Dbos.Tests;

public sealed class ResilienceTests(string engine) : EngineTest(engine)
{
    [Test]
    public async Task Workflows_continue_when_the_database_drops_every_connection_mid_run()
    {
        if (!IsPostgres)
        {
            Assert.Ignore("Connections are dropped by the PostgreSQL server; SQLite has none to drop.");
        }

        await LaunchAsync();
        WorkflowHandle<string> handle;
        using (new SetWorkflowID("survivor"))
        {
            handle = await DBOS.StartWorkflowAsync(() => BasicWorkflows.Gated("drop"));
        }

        await EventuallyAsync(async () => await StepCountAsync("survivor") >= 1, "the first step is checkpointed");
        var terminated = await QueryAsync("SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
        Assert.That(Convert.ToInt64(terminated[0][0], System.Globalization.CultureInfo.InvariantCulture), Is.GreaterThan(0), "the runtime's pooled connections were dropped");

        Probe.Open("drop");
        Assert.That(await handle.GetResultAsync(), Is.EqualTo("first,second"));
        Assert.That(Probe.Count("drop:first"), Is.EqualTo(1));
        Assert.That(Probe.Count("drop:second"), Is.EqualTo(1));
        Assert.That(await StatusAsync("survivor"), Is.EqualTo(WorkflowStatuses.Success));
    }

    [Test]
    public async Task An_unreachable_system_database_fails_the_start_quickly_with_a_clear_error()
    {
        var url = IsPostgres ? "postgresql://postgres@127.0.0.1:1/nowhere" : "/proc/dbos-cannot-write-here/system.sqlite";
        var watch = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<DbosInitializationException>(() => DbosRuntime.LaunchAsync(Options(o =>
        {
            o.SystemDatabaseUrl = url;
            o.ConnectTimeout = TimeSpan.FromSeconds(3);
        })));
        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(30)), "no hang");
        Assert.That(error!.Message, Does.Contain(IsPostgres ? "127.0.0.1" : "/proc/dbos-cannot-write-here"));
        Assert.That(error.ErrorCode, Is.EqualTo(DbosErrorCode.Initialization));
    }

    [Test]
    public async Task A_malformed_connection_setting_is_an_argument_error_naming_the_accepted_forms()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => DbosRuntime.LaunchAsync(Options(o => o.SystemDatabaseUrl = "Foo=bar;Baz=1")));
        Assert.That(error!.Message, Does.Contain("postgresql://").And.Contain("sqlite"));
    }

    [Test]
    public async Task Graceful_shutdown_lets_running_workflows_finish_within_the_timeout_and_leaves_the_rest_pending()
    {
        var runtime = await LaunchAsync(o => o.ShutdownTimeout = TimeSpan.FromSeconds(20));
        using (new SetWorkflowID("finishes"))
        {
            await DBOS.StartWorkflowAsync(() => BasicWorkflows.Gated("soon"));
        }

        await EventuallyAsync(async () => await StepCountAsync("finishes") >= 1, "the workflow is running");
        var stopping = runtime.ShutdownAsync();
        await Task.Delay(200);
        Assert.That(stopping.IsCompleted, Is.False, "shutdown waits for the running workflow");
        await Assert.ThrowsAsync<InvalidOperationException>(() => BasicWorkflows.ThreeSteps(1), "no new workflows during shutdown");
        Probe.Open("soon");
        await stopping;
        Assert.That(await StatusAsync("finishes"), Is.EqualTo(WorkflowStatuses.Success));

        var impatient = await LaunchAsync(o => o.ShutdownTimeout = TimeSpan.FromMilliseconds(200));
        using (new SetWorkflowID("left-pending"))
        {
            await DBOS.StartWorkflowAsync(() => BasicWorkflows.Gated("never"));
        }

        await EventuallyAsync(async () => await StepCountAsync("left-pending") >= 1, "the second workflow is running");
        await impatient.ShutdownAsync();
        Probe.Open("never");
        await Task.Delay(200);
        Assert.That(await StatusAsync("left-pending"), Is.EqualTo(WorkflowStatuses.Pending), "left for recovery at the next start");
        Assert.That(Probe.Count("never:second"), Is.Zero);
    }
}
