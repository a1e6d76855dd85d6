using System;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;

namespace Dbos.Tests;

/// <summary>ApplySchedulesAsync and UpdateScheduleAsync (DBOS's applySchedules and updateSchedule), with a fake clock: which ticks ran, and
/// with which context, is read from the database.</summary>
public sealed partial class ScheduleTests
{
    /// <summary>Waits until the runtime's loop for the schedule fires this cron text and context (a changed definition restarts it).</summary>
    private static Task WhenFiringAsync(DbosRuntime runtime, string schedule, string cron, string context)
        => EventuallyAsync(() => Task.FromResult(runtime.ActiveScheduler!.WatchedSignature(schedule)?.Split('\u001f') is [_, _, var watchedCron, var watchedContext, ..]
            && watchedCron == cron && watchedContext.Contains('"' + context + '"', StringComparison.Ordinal)), $"the scheduler fires {schedule} as '{cron}' with {context}");

    /// <summary>A tick's run may finish before its loop records the tick in last_fired_at: wait for the record.</summary>
    private Task WhenLastFiredAsync(string schedule, string tick)
        => EventuallyAsync(async () => await CountAsync("SELECT COUNT(*) FROM {s}workflow_schedules WHERE schedule_name = @p1 AND last_fired_at = @p2", schedule, tick) == 1,
            $"{schedule} recorded {tick}");

    private async Task<object?[]> StoredAsync(string schedule)
        => (await QueryAsync("SELECT schedule_id, schedule, status, last_fired_at, cron_timezone, queue_name, automatic_backfill FROM {s}workflow_schedules WHERE schedule_name = @p1", schedule)).Single();

    [Test]
    public async Task ApplySchedules_creates_a_set_and_replaces_definitions_keeping_status_ID_and_last_fired_tick()
    {
        var time = new FakeTimeProvider(At("2026-06-01T10:00:30.500Z"));
        var runtime = await LaunchWithAsync(time);
        await DBOS.ApplySchedulesAsync([
            new ScheduleDefinition("applied", nameof(ScheduleWorkflows.Tick), "0 * * * * *", "one"),
            new ScheduleDefinition("applied-hourly", nameof(ScheduleWorkflows.Tick), "0 0 * * * *", "h", new ScheduleOptions { Queue = "reports" }),
        ]);
        Assert.That((await DBOS.ListSchedulesAsync()).Select(s => (s.ScheduleName, s.Status, s.Cron, s.Queue)),
            Is.EqualTo(new[] { ("applied", ScheduleStatus.Active, "0 * * * * *", (string?)null), ("applied-hourly", ScheduleStatus.Active, "0 0 * * * *", "reports") }));
        await WhenWatchingAsync(runtime, "applied");
        time.Advance(TimeSpan.FromMinutes(1));
        var first = TickId("applied", At("2026-06-01T10:01:00Z"));
        await WhenSucceededAsync(first);
        Assert.That(await (await DBOS.RetrieveWorkflowAsync<string>(first)).GetResultAsync(), Is.EqualTo("one@10:01:00"));
        await DBOS.PauseScheduleAsync("applied-hourly");
        await WhenLastFiredAsync("applied", "2026-06-01T10:01:00.000Z");
        var before = await StoredAsync("applied");
        var hourlyBefore = await StoredAsync("applied-hourly");

        // Applied again, as an application does at every start, with one definition changed.
        await DBOS.ApplySchedulesAsync([
            new ScheduleDefinition("applied", nameof(ScheduleWorkflows.Tick), "0 */2 * * * *", "two"),
            new ScheduleDefinition("applied-hourly", nameof(ScheduleWorkflows.Tick), "0 0 * * * *", "h", new ScheduleOptions { Queue = "reports" }),
        ]);
        var after = await StoredAsync("applied");
        Assert.That(after[0], Is.EqualTo(before[0]), "the schedule keeps its ID");
        Assert.That(after[1..4], Is.EqualTo(new object?[] { "0 */2 * * * *", "ACTIVE", "2026-06-01T10:01:00.000Z" }), "new cron; status and last fired tick kept");
        Assert.That((await DBOS.GetScheduleAsync("applied"))!.GetContext<string>(), Is.EqualTo("two"));
        Assert.That(await StoredAsync("applied-hourly"), Is.EqualTo(hourlyBefore), "a paused schedule stays paused when applied unchanged");

        await WhenFiringAsync(runtime, "applied", "0 */2 * * * *", "two");
        time.Advance(TimeSpan.FromMinutes(1));
        var second = TickId("applied", At("2026-06-01T10:02:00Z"));
        await WhenSucceededAsync(second);
        time.Advance(TimeSpan.FromMinutes(2));
        var third = TickId("applied", At("2026-06-01T10:04:00Z"));
        await WhenSucceededAsync(third);
        Assert.That(await RunIdsAsync("applied"), Is.EqualTo(new[] { first, second, third }), "every minute, then every two minutes");
        Assert.That(await (await DBOS.RetrieveWorkflowAsync<string>(second)).GetResultAsync(), Is.EqualTo("two@10:02:00"));
        Assert.That(await RunIdsAsync("applied-hourly"), Is.Empty, "paused: 11:00 not reached, and nothing fired");
    }

    [Test]
    public async Task ApplySchedules_refuses_a_bad_set_as_a_whole_and_writes_nothing()
    {
        await LaunchAsync(o =>
        {
            o.RunSchedules = false;
            o.ApplicationName = "mine";
        });
        var bad = (await Assert.ThrowsAsync<ArgumentException>(() => DBOS.ApplySchedulesAsync([
            new ScheduleDefinition("fine", nameof(ScheduleWorkflows.Tick), "* * * * *", "x"),
            new ScheduleDefinition("broken", nameof(ScheduleWorkflows.Tick), "61 * * * *", "x"),
        ])))!;
        Assert.That(bad.Message, Does.StartWith("Schedule 'broken' of the set: ").And.Contain("not valid").And.Contain("Nothing was applied."));
        Assert.That(bad.Message, Does.Not.Contain("(Parameter 'cron')"));
        Assert.That(await CountAsync("SELECT COUNT(*) FROM {s}workflow_schedules"), Is.Zero);

        var twice = (await Assert.ThrowsAsync<ArgumentException>(() => DBOS.ApplySchedulesAsync([
            new ScheduleDefinition("same", nameof(ScheduleWorkflows.Tick), "* * * * *", "x"),
            new ScheduleDefinition("same", nameof(ScheduleWorkflows.Tick), "0 * * * *", "y"),
        ])))!;
        Assert.That(twice.Message, Does.Contain("'same' appears twice"));
        Assert.That((await Assert.ThrowsAsync<ArgumentException>(() => DBOS.ApplySchedulesAsync([
            new ScheduleDefinition("typed", nameof(ScheduleWorkflows.Tick), "* * * * *", 42),
        ])))!.Message, Does.Contain("takes a System.String context"));
        Assert.That(await CountAsync("SELECT COUNT(*) FROM {s}workflow_schedules"), Is.Zero);

        // A name held by another application's schedule: nothing of the set is written, and the other schedule is untouched.
        await DBOS.CreateScheduleAsync("owned", nameof(ScheduleWorkflows.Tick), "0 0 1 * *", "theirs", new ScheduleOptions { ApplicationName = "theirs" });
        var taken = (await Assert.ThrowsAsync<ArgumentException>(() => DBOS.ApplySchedulesAsync([
            new ScheduleDefinition("new-one", nameof(ScheduleWorkflows.Tick), "* * * * *", "x"),
            new ScheduleDefinition("owned", nameof(ScheduleWorkflows.Tick), "* * * * *", "mine"),
        ])))!;
        Assert.That(taken.Message, Does.Contain("'owned' belongs to application 'theirs'").And.Contain("Nothing was applied."));
        var rows = await QueryAsync("SELECT schedule_name, schedule, application_name FROM {s}workflow_schedules ORDER BY schedule_name");
        Assert.That(rows, Is.EqualTo(new[] { new object?[] { "owned", "0 0 1 * *", "theirs" } }));

        // An unclaimed schedule is claimed by the application that applies it.
        await using var client = await DbosClient.ConnectAsync(Database);
        await client.CreateScheduleAsync("unclaimed", nameof(ScheduleWorkflows.Tick), "0 0 1 * *", "u");
        await DBOS.ApplySchedulesAsync([new ScheduleDefinition("unclaimed", nameof(ScheduleWorkflows.Tick), "0 0 2 * *", "u")]);
        Assert.That((await QueryAsync("SELECT schedule, application_name FROM {s}workflow_schedules WHERE schedule_name = 'unclaimed'")).Single(),
            Is.EqualTo(new object?[] { "0 0 2 * *", "mine" }));
    }

    [Test]
    public async Task UpdateSchedule_changes_the_given_fields_and_the_next_ticks_follow_them()
    {
        var time = new FakeTimeProvider(At("2026-06-01T10:00:30.500Z"));
        var runtime = await LaunchWithAsync(time);
        await DBOS.CreateScheduleAsync("changing", nameof(ScheduleWorkflows.Tick), "0 * * * * *", "old");
        await WhenWatchingAsync(runtime, "changing");
        time.Advance(TimeSpan.FromMinutes(1));
        var first = TickId("changing", At("2026-06-01T10:01:00Z"));
        await WhenSucceededAsync(first);

        await DBOS.UpdateScheduleAsync("changing", new ScheduleUpdate { Cron = "0 */2 * * * *", Context = "new" });
        await WhenFiringAsync(runtime, "changing", "0 */2 * * * *", "new");
        time.Advance(TimeSpan.FromMinutes(1));
        var second = TickId("changing", At("2026-06-01T10:02:00Z"));
        await WhenSucceededAsync(second);
        time.Advance(TimeSpan.FromMinutes(2));
        var third = TickId("changing", At("2026-06-01T10:04:00Z"));
        await WhenSucceededAsync(third);
        Assert.That(await RunIdsAsync("changing"), Is.EqualTo(new[] { first, second, third }));
        Assert.That(await (await DBOS.RetrieveWorkflowAsync<string>(first)).GetResultAsync(), Is.EqualTo("old@10:01:00"));
        Assert.That(await (await DBOS.RetrieveWorkflowAsync<string>(third)).GetResultAsync(), Is.EqualTo("new@10:04:00"));

        // Only what is given changes; a paused schedule stays paused.
        await WhenLastFiredAsync("changing", "2026-06-01T10:04:00.000Z");
        var id = (await StoredAsync("changing"))[0];
        await DBOS.PauseScheduleAsync("changing");
        await DBOS.UpdateScheduleAsync("changing", new ScheduleUpdate { TimeZone = "Europe/Paris", Queue = "reports", AutomaticBackfill = true });
        Assert.That(await StoredAsync("changing"), Is.EqualTo(new object?[] { id, "0 */2 * * * *", "PAUSED", "2026-06-01T10:04:00.000Z", "Europe/Paris", "reports", IsPostgres ? true : 1L }));
        Assert.That((await DBOS.GetScheduleAsync("changing"))!.GetContext<string>(), Is.EqualTo("new"));
        await DBOS.UpdateScheduleAsync("changing", new ScheduleUpdate { TimeZone = "", Queue = "" });
        Assert.That((await StoredAsync("changing"))[4..6], Is.EqualTo(new object?[] { null, null }), "UTC and the internal queue again");

        // Bad input: a clear error, and the row as it was.
        var stored = await StoredAsync("changing");
        Assert.That((await Assert.ThrowsAsync<ArgumentException>(() => DBOS.UpdateScheduleAsync("changing", new ScheduleUpdate { Cron = "61 * * * *" })))!.Message, Does.Contain("not valid"));
        Assert.That((await Assert.ThrowsAsync<ArgumentException>(() => DBOS.UpdateScheduleAsync("changing", new ScheduleUpdate { TimeZone = "Mars/Olympus" })))!.Message, Does.Contain("IANA"));
        Assert.That((await Assert.ThrowsAsync<ArgumentException>(() => DBOS.UpdateScheduleAsync("changing", new ScheduleUpdate { Context = 42 })))!.Message, Does.Contain("takes a System.String context"));
        Assert.That((await Assert.ThrowsAsync<ArgumentException>(() => DBOS.UpdateScheduleAsync("nobody", new ScheduleUpdate { Cron = "* * * * *" })))!.Message, Does.Contain("No stored schedule is named 'nobody'"));
        Assert.That(await StoredAsync("changing"), Is.EqualTo(stored));
        Assert.That((await DBOS.GetScheduleAsync("changing"))!.GetContext<string>(), Is.EqualTo("new"));
    }
}
