using System;
using System.Linq;
using System.Threading.Tasks;
using NUnit.Framework;

namespace Dbos.Cli.Tests;

/// <summary>dbos schedule ... and dbos version list|set-latest, on schedules stored with DbosClient and versions registered by runtimes.</summary>
public sealed partial class CliTests
{
    private async Task<DbosClient> ClientAsync() => await DbosClient.ConnectAsync(_database);

    [Test]
    public async Task Schedule_list_get_pause_resume_and_delete_change_the_stored_rows()
    {
        await using var client = await ClientAsync();
        await client.CreateScheduleAsync("nightly-eu", nameof(CliWorkflows.Report), "0 0 3 * * *", "eu",
            new ScheduleOptions { TimeZone = "Europe/Paris", Queue = "reports" });
        await client.CreateScheduleAsync("hourly-us", nameof(CliWorkflows.Report), "0 * * * *", "us");

        var table = await Run("schedule", "list");
        Assert.That(table.ExitCode, Is.Zero, table.ToString());
        Assert.That(Line(table, "nightly-eu"), Does.Contain("ACTIVE").And.Contain("Report").And.Contain("CliWorkflows")
            .And.Contain("0 0 3 * * *").And.Contain("Europe/Paris").And.Contain("reports"));
        Assert.That(Line(table, "hourly-us"), Does.Contain("0 * * * *").And.Contain("UTC"));

        var all = Json(await Run("schedule", "list", "--json"));
        Assert.That(all.EnumerateArray().Select(s => s.GetProperty("scheduleName").GetString()), Is.EqualTo(new[] { "hourly-us", "nightly-eu" }));
        var get = Json(await Run("schedule", "get", "nightly-eu", "--json"));
        Assert.That(get.GetProperty("cron").GetString(), Is.EqualTo("0 0 3 * * *"));
        Assert.That(get.GetProperty("timeZone").GetString(), Is.EqualTo("Europe/Paris"));
        Assert.That(get.GetProperty("queue").GetString(), Is.EqualTo("reports"));
        Assert.That(get.GetProperty("context").GetString(), Is.EqualTo("eu"));
        Assert.That(get.GetProperty("status").GetString(), Is.EqualTo("ACTIVE"));
        Assert.That(Line(await Run("schedule", "get", "hourly-us"), "Context"), Does.Contain("\"us\""));

        var pause = await Run("schedule", "pause", "nightly-eu");
        Assert.That(pause.ExitCode, Is.Zero, pause.ToString());
        Assert.That(pause.Output.Trim(), Is.EqualTo("Schedule nightly-eu is PAUSED."));
        Assert.That((await client.GetScheduleAsync("nightly-eu"))!.Status, Is.EqualTo(ScheduleStatus.Paused));
        Assert.That((await client.GetScheduleAsync("hourly-us"))!.Status, Is.EqualTo(ScheduleStatus.Active), "only the named schedule");
        var paused = Json(await Run("schedule", "list", "--status", "paused", "--json"));
        Assert.That(paused.EnumerateArray().Select(s => s.GetProperty("scheduleName").GetString()), Is.EqualTo(new[] { "nightly-eu" }));
        Assert.That(Json(await Run("schedule", "list", "--prefix", "hour", "--json")).GetArrayLength(), Is.EqualTo(1));

        var resume = Json(await Run("schedule", "resume", "nightly-eu", "--json"));
        Assert.That(resume.GetProperty("status").GetString(), Is.EqualTo("ACTIVE"));
        Assert.That((await client.GetScheduleAsync("nightly-eu"))!.Status, Is.EqualTo(ScheduleStatus.Active));

        var delete = await Run("schedule", "delete", "nightly-eu");
        Assert.That(delete.Output.Trim(), Is.EqualTo("Deleted schedule nightly-eu."));
        Assert.That(await client.GetScheduleAsync("nightly-eu"), Is.Null);

        foreach (var command in new[] { "get", "pause", "resume", "trigger", "delete" })
        {
            var unknown = await Run("schedule", command, "nightly-eu");
            Assert.That(unknown.ExitCode, Is.EqualTo(1), unknown.ToString());
            Assert.That(unknown.Error, Is.EqualTo("No schedule named 'nightly-eu' (dbos schedule list lists them)." + Environment.NewLine), command);
            Assert.That(unknown.Output, Is.Empty, command);
        }

        var badStatus = await Run("schedule", "list", "--status", "STOPPED");
        Assert.That(badStatus.ExitCode, Is.EqualTo(2), badStatus.ToString());
        Assert.That(badStatus.Error, Does.Contain("ACTIVE or PAUSED"));
    }

    [Test]
    public async Task Schedule_trigger_and_backfill_enqueue_runs_that_a_worker_then_runs()
    {
        await using (var client = await ClientAsync())
        {
            await client.CreateScheduleAsync("nightly", nameof(CliWorkflows.Report), "0 0 3 * * *", "eu");
        }

        var trigger = Json(await Run("schedule", "trigger", "nightly", "--json"));
        var triggered = trigger.GetProperty("workflowId").GetString()!;
        Assert.That(triggered, Does.StartWith("sched-nightly-trigger-"));
        var row = Json(await Run("workflow", "get", triggered, "--json"));
        Assert.That(row.GetProperty("status").GetString(), Is.EqualTo("ENQUEUED"));
        Assert.That(row.GetProperty("name").GetString(), Is.EqualTo("Report"));
        Assert.That(row.GetProperty("queueName").GetString(), Is.EqualTo("_dbos_internal_queue"));
        Assert.That(row.GetProperty("input").GetProperty("positionalArgs")[1].GetString(), Is.EqualTo("eu"), "the schedule's context, as stored");

        var backfill = await Run("schedule", "backfill", "nightly", "--from", "2026-11-01T00:00:00Z", "--to", "2026-11-04T00:00:00Z");
        Assert.That(backfill.ExitCode, Is.Zero, backfill.ToString());
        string[] ticks = ["sched-nightly-2026-11-01T03:00:00.000Z", "sched-nightly-2026-11-02T03:00:00.000Z", "sched-nightly-2026-11-03T03:00:00.000Z"];
        Assert.That(backfill.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            Is.EqualTo(new[] { "Enqueued 3 runs of schedule nightly:" }.Concat(ticks)));

        var again = Json(await Run("schedule", "backfill", "nightly", "--from", "2026-11-01T00:00:00Z", "--to", "2026-11-04T00:00:00Z", "--json"));
        Assert.That(again.GetProperty("workflowIds").EnumerateArray().Select(i => i.GetString()), Is.EqualTo(ticks));
        var runs = Json(await Run("workflow", "list", "--prefix", "sched-nightly-2026", "--json"));
        Assert.That(runs.EnumerateArray().Select(w => w.GetProperty("workflowId").GetString()), Is.EquivalentTo(ticks), "a tick backfilled twice runs once");

        var none = await Run("schedule", "backfill", "nightly", "--from", "2026-11-01T04:00:00Z", "--to", "2026-11-02T02:00:00Z");
        Assert.That(none.Output.Trim(), Is.EqualTo("Enqueued 0 runs of schedule nightly."));
        var badTime = await Run("schedule", "backfill", "nightly", "--from", "yesterday", "--to", "2026-11-04T00:00:00Z");
        Assert.That(badTime.ExitCode, Is.EqualTo(2), badTime.ToString());
        Assert.That(badTime.Error, Does.Contain("--from 'yesterday' is not a time"));
        var backwards = await Run("schedule", "backfill", "nightly", "--from", "2026-11-04T00:00:00Z", "--to", "2026-11-01T00:00:00Z");
        Assert.That(backwards.ExitCode, Is.EqualTo(2), backwards.ToString());
        Assert.That(backwards.Error, Does.Contain("is before --from"));
        var unknown = await Run("schedule", "backfill", "nobody", "--from", "2026-11-01T00:00:00Z", "--to", "2026-11-04T00:00:00Z");
        Assert.That(unknown.ExitCode, Is.EqualTo(1), unknown.ToString());

        // An application process that has the workflow runs what the tool enqueued by name.
        await using var worker = await DbosRuntime.LaunchAsync(new DbosOptions { SystemDatabaseUrl = _database, RunSchedules = false, ShutdownTimeout = TimeSpan.Zero });
        var first = await worker.RetrieveWorkflowAsync<string>(ticks[0]);
        Assert.That(await first.GetResultAsync().WaitAsync(TimeSpan.FromMinutes(1)), Is.EqualTo("eu 2026-11-01T03:00"));
        Assert.That(await (await worker.RetrieveWorkflowAsync<string>(triggered)).GetResultAsync().WaitAsync(TimeSpan.FromMinutes(1)), Does.StartWith("eu "));
    }

    [Test]
    public async Task Version_list_shows_the_registered_versions_and_set_latest_makes_one_the_latest()
    {
        string computed;
        await using (var client = await ClientAsync())
        {
            var registered = await client.ListApplicationVersionsAsync();
            Assert.That(registered, Has.Count.EqualTo(1), "the version of the runtime that wrote the rows");
            computed = registered[0].VersionName;
        }

        await using (await DbosRuntime.LaunchAsync(new DbosOptions { SystemDatabaseUrl = _database, ApplicationVersion = "v2", RunSchedules = false, ShutdownTimeout = TimeSpan.Zero }))
        {
        }

        var list = Json(await Run("version", "list", "--json"));
        Assert.That(list.EnumerateArray().Select(v => (v.GetProperty("versionName").GetString(), v.GetProperty("latest").GetBoolean())),
            Is.EqualTo(new[] { ("v2", true), (computed, false) }));
        var table = await Run("version", "list");
        Assert.That(table.ExitCode, Is.Zero, table.ToString());
        Assert.That(Line(table, "v2"), Does.Contain("latest"));
        Assert.That(Line(table, computed), Does.Not.Contain("latest"));

        var set = await Run("version", "set-latest", computed);
        Assert.That(set.ExitCode, Is.Zero, set.ToString());
        Assert.That(set.Output.Trim(), Is.EqualTo($"Application version {computed} is the latest."));
        await using (var client = await ClientAsync())
        {
            Assert.That((await client.ListApplicationVersionsAsync()).Select(v => v.VersionName), Is.EqualTo(new[] { computed, "v2" }));
        }

        var unknown = await Run("version", "set-latest", "v9");
        Assert.That(unknown.ExitCode, Is.EqualTo(1), unknown.ToString());
        Assert.That(unknown.Error, Does.Contain("No application version 'v9' is registered").And.Contain("Registered: ").And.Contain("v2"));
        Assert.That(unknown.Output, Is.Empty);
        Assert.That(Json(await Run("version", "list", "--json"))[0].GetProperty("versionName").GetString(), Is.EqualTo(computed), "nothing changed");
    }
}
