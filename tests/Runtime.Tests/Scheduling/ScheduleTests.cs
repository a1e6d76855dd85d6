using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using Dbos.Scheduling;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;

namespace Dbos.Tests;

/// <summary>Schedules with a fake clock on real PostgreSQL and SQLite: which ticks ran is read from the database, never from timing.</summary>
public sealed partial class ScheduleTests(string engine) : EngineTest(engine)
{
    private static readonly TimeSpan Long = TimeSpan.FromHours(1); // polls happen only when a test asks (local changes wake the scheduler)

    private static string TickId(string schedule, DateTimeOffset tick) => Scheduler.TickWorkflowId(schedule, tick);

    private static DateTimeOffset At(string iso) => DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);

    private Task<DbosRuntime> LaunchWithAsync(FakeTimeProvider time) => LaunchAsync(o =>
    {
        o.TimeProvider = time;
        o.SchedulerPollingInterval = Long;
    });

    /// <summary>The workflow IDs of the schedule's runs, in order.</summary>
    private async Task<List<string>> RunIdsAsync(string schedule)
        => (await QueryAsync("SELECT workflow_uuid FROM {s}workflow_status WHERE schedule_name = @p1 ORDER BY workflow_uuid", schedule)).Select(r => (string)r[0]!).ToList();

    private Task WhenSucceededAsync(params string[] ids) => EventuallyAsync(async () =>
        await CountAsync($"SELECT COUNT(*) FROM {{s}}workflow_status WHERE status = 'SUCCESS' AND workflow_uuid IN ({string.Join(", ", ids.Select(i => "'" + i + "'"))})") == ids.Length,
        "runs " + string.Join(", ", ids) + " succeeded");

    private static Task WhenWatchingAsync(DbosRuntime runtime, string schedule, bool watching = true)
        => EventuallyAsync(() => Task.FromResult(runtime.ActiveScheduler!.IsWatching(schedule) == watching), (watching ? "the scheduler watches " : "the scheduler stopped watching ") + schedule);

    [Test]
    public async Task A_Scheduled_workflow_runs_at_its_cron_times_under_DBOS_s_workflow_ids_on_the_internal_queue()
    {
        var time = new FakeTimeProvider(At("2028-02-29T00:00:00.250Z"));
        await LaunchWithAsync(time);
        time.Advance(TimeSpan.FromSeconds(6));
        var first = TickId("LeapDayTick", At("2028-02-29T00:00:05Z"));
        Assert.That(first, Is.EqualTo("sched-LeapDayTick-2028-02-29T00:00:05.000Z"), "the ID DBOS TypeScript makes (Date.toISOString)");
        await WhenSucceededAsync(first);
        time.Advance(TimeSpan.FromSeconds(5));
        var second = TickId("LeapDayTick", At("2028-02-29T00:00:10Z"));
        await WhenSucceededAsync(second);

        Assert.That(await RunIdsAsync("LeapDayTick"), Is.EqualTo(new[] { first, second }), "one run per tick, none between ticks");
        var row = (await QueryAsync("SELECT queue_name, name, class_name FROM {s}workflow_status WHERE workflow_uuid = @p1", first)).Single();
        Assert.That(row, Is.EqualTo(new object?[] { WorkflowQueue.InternalQueueName, "LeapDayTick", "ScheduleWorkflows" }));
        Assert.That(await (await DBOS.RetrieveWorkflowAsync<string>(first)).GetResultAsync(), Is.EqualTo("00:00:05 late-or-on-time"));
    }

    [Test]
    public async Task A_stored_schedule_runs_its_ticks_with_its_context_and_records_the_last_one()
    {
        var time = new FakeTimeProvider(At("2026-06-01T10:00:30.500Z"));
        var runtime = await LaunchWithAsync(time);
        var created = await DBOS.CreateScheduleAsync("every-minute", nameof(ScheduleWorkflows.Tick), "0 * * * * *", "ctx");
        Assert.That((created.WorkflowClassName, created.Status, created.GetContext<string>()), Is.EqualTo(("ScheduleWorkflows", ScheduleStatus.Active, "ctx")));
        await WhenWatchingAsync(runtime, "every-minute");
        time.Advance(TimeSpan.FromMinutes(1));
        var first = TickId("every-minute", At("2026-06-01T10:01:00Z"));
        await WhenSucceededAsync(first);
        time.Advance(TimeSpan.FromMinutes(1));
        var second = TickId("every-minute", At("2026-06-01T10:02:00Z"));
        await WhenSucceededAsync(second);

        Assert.That(await RunIdsAsync("every-minute"), Is.EqualTo(new[] { first, second }));
        Assert.That(await (await DBOS.RetrieveWorkflowAsync<string>(second)).GetResultAsync(), Is.EqualTo("ctx@10:02:00"));
        var stored = (await QueryAsync("SELECT last_fired_at, status, workflow_name, workflow_class_name, schedule FROM {s}workflow_schedules WHERE schedule_name = 'every-minute'")).Single();
        Assert.That(stored, Is.EqualTo(new object?[] { "2026-06-01T10:02:00.000Z", "ACTIVE", "Tick", "ScheduleWorkflows", "0 * * * * *" }));
        var listed = await DBOS.ListSchedulesAsync();
        Assert.That(listed.Select(s => (s.ScheduleName, s.LastFiredAt)), Is.EqualTo(new[] { ("every-minute", (DateTimeOffset?)At("2026-06-01T10:02:00Z")) }));
    }

    [Test]
    public async Task After_downtime_no_missed_tick_runs_by_default_and_a_backfill_runs_exactly_the_missing_ones()
    {
        var time = new FakeTimeProvider(At("2026-06-01T10:00:30.500Z"));
        var before = await LaunchWithAsync(time);
        await DBOS.CreateScheduleAsync("hourly-gap", nameof(ScheduleWorkflows.Tick), "0 * * * * *", "gap");
        await WhenWatchingAsync(before, "hourly-gap");
        time.Advance(TimeSpan.FromMinutes(1));
        await WhenSucceededAsync(TickId("hourly-gap", At("2026-06-01T10:01:00Z")));
        time.Advance(TimeSpan.FromMinutes(1));
        await WhenSucceededAsync(TickId("hourly-gap", At("2026-06-01T10:02:00Z")));
        await before.ShutdownAsync();

        time.Advance(TimeSpan.FromHours(1)); // nobody runs: 60 ticks are missed
        var after = await LaunchWithAsync(time);
        await WhenWatchingAsync(after, "hourly-gap");
        time.Advance(TimeSpan.FromMinutes(1));
        var resumed = TickId("hourly-gap", At("2026-06-01T11:03:00Z"));
        await WhenSucceededAsync(resumed);
        Assert.That(await RunIdsAsync("hourly-gap"), Is.EqualTo(new[] { TickId("hourly-gap", At("2026-06-01T10:01:00Z")), TickId("hourly-gap", At("2026-06-01T10:02:00Z")), resumed }),
            "no burst of the missed ticks at restart");

        var missing = Enumerable.Range(3, 60).Select(m => TickId("hourly-gap", At("2026-06-01T10:00:00Z").AddMinutes(m))).ToArray();
        var handles = await DBOS.BackfillScheduleAsync("hourly-gap", At("2026-06-01T10:02:00Z"), At("2026-06-01T11:03:00Z"));
        Assert.That(handles.Select(h => h.WorkflowId), Is.EqualTo(missing), "the ticks strictly between the two times");
        await WhenSucceededAsync(missing);

        // A wider backfill enqueues the same IDs again: nothing runs twice.
        var wider = await DBOS.BackfillScheduleAsync("hourly-gap", At("2026-06-01T10:00:00Z"), At("2026-06-01T11:03:30Z"));
        Assert.That(wider, Has.Count.EqualTo(63));
        var all = Enumerable.Range(1, 63).Select(m => TickId("hourly-gap", At("2026-06-01T10:00:00Z").AddMinutes(m))).ToList();
        Assert.That(await RunIdsAsync("hourly-gap"), Is.EqualTo(all), "every minute from 10:01 to 11:03 ran once");
        Assert.That(await CountAsync("SELECT COUNT(*) FROM {s}workflow_status WHERE schedule_name = 'hourly-gap' AND status <> 'SUCCESS'"), Is.Zero);
    }

    [Test]
    public async Task Automatic_backfill_runs_the_ticks_missed_since_the_last_one_when_a_process_starts_watching()
    {
        var time = new FakeTimeProvider(At("2026-06-01T10:00:30.500Z"));
        var before = await LaunchWithAsync(time);
        await DBOS.CreateScheduleAsync("catch-up", nameof(ScheduleWorkflows.Tick), "0 * * * * *", "auto", new ScheduleOptions { AutomaticBackfill = true });
        await WhenWatchingAsync(before, "catch-up");
        time.Advance(TimeSpan.FromMinutes(1));
        await WhenSucceededAsync(TickId("catch-up", At("2026-06-01T10:01:00Z")));
        await before.ShutdownAsync();

        time.Advance(TimeSpan.FromMinutes(5)); // 10:06:30.5: 10:02 to 10:06 were missed
        await LaunchWithAsync(time);
        var expected = Enumerable.Range(1, 6).Select(m => TickId("catch-up", At("2026-06-01T10:00:00Z").AddMinutes(m))).ToArray();
        await WhenSucceededAsync(expected);
        Assert.That(await RunIdsAsync("catch-up"), Is.EqualTo(expected));
    }

    [Test]
    public async Task A_paused_schedule_fires_nothing_until_it_is_resumed()
    {
        var time = new FakeTimeProvider(At("2026-06-01T10:00:30.500Z"));
        var runtime = await LaunchWithAsync(time);
        await DBOS.CreateScheduleAsync("pausable", nameof(ScheduleWorkflows.Tick), "* * * * *", "p"); // 5 fields: every minute
        await WhenWatchingAsync(runtime, "pausable");
        time.Advance(TimeSpan.FromMinutes(1));
        await WhenSucceededAsync(TickId("pausable", At("2026-06-01T10:01:00Z")));

        await DBOS.PauseScheduleAsync("pausable");
        await WhenWatchingAsync(runtime, "pausable", watching: false);
        Assert.That((await DBOS.GetScheduleAsync("pausable"))!.Status, Is.EqualTo(ScheduleStatus.Paused));
        Assert.That((await DBOS.ListSchedulesAsync(ScheduleStatus.Active)).Count, Is.Zero);
        time.Advance(TimeSpan.FromMinutes(3)); // 10:02, 10:03 and 10:04 pass while paused

        await DBOS.ResumeScheduleAsync("pausable");
        await WhenWatchingAsync(runtime, "pausable");
        time.Advance(TimeSpan.FromMinutes(1));
        var afterResume = TickId("pausable", At("2026-06-01T10:05:00Z"));
        await WhenSucceededAsync(afterResume);
        Assert.That(await RunIdsAsync("pausable"), Is.EqualTo(new[] { TickId("pausable", At("2026-06-01T10:01:00Z")), afterResume }));

        Assert.That(await DBOS.DeleteScheduleAsync("pausable"), Is.True);
        await WhenWatchingAsync(runtime, "pausable", watching: false);
        Assert.That(await DBOS.GetScheduleAsync("pausable"), Is.Null);
        Assert.That(await DBOS.DeleteScheduleAsync("pausable"), Is.False);
        await Assert.ThrowsAsync<ArgumentException>(() => DBOS.PauseScheduleAsync("pausable"));
    }

    [Test]
    public async Task Trigger_runs_a_schedule_now_under_its_trigger_id()
    {
        var time = new FakeTimeProvider(At("2026-06-01T10:00:30.500Z"));
        await LaunchWithAsync(time);
        await DBOS.CreateScheduleAsync("manual", nameof(ScheduleWorkflows.Tick), "0 0 1 1 *", "now");
        var handle = await DBOS.TriggerScheduleAsync("manual");
        Assert.That(handle.WorkflowId, Is.EqualTo("sched-manual-trigger-2026-06-01T10:00:30.500Z"));
        await WhenSucceededAsync(handle.WorkflowId);
        Assert.That(await (await DBOS.RetrieveWorkflowAsync<string>(handle.WorkflowId)).GetResultAsync(), Is.EqualTo("now@10:00:30"));

        // A [Scheduled] workflow is triggered by its name.
        var declared = await DBOS.TriggerScheduleAsync("LeapDayTick");
        Assert.That(declared.WorkflowId, Is.EqualTo("sched-LeapDayTick-trigger-2026-06-01T10:00:30.500Z"));
        await WhenSucceededAsync(declared.WorkflowId);
        await Assert.ThrowsAsync<ArgumentException>(() => DBOS.TriggerScheduleAsync("no-such-schedule"));
    }

    [TestCase("61 * * * *", "not valid")]
    [TestCase("* * * *", "4 fields")]
    [TestCase("*/0 * * * * *", "not valid")]
    [TestCase("", "needs a cron expression")]
    public async Task A_bad_cron_expression_is_refused_with_the_reason_and_nothing_is_stored(string cron, string reason)
    {
        await LaunchAsync(o => o.RunSchedules = false);
        var error = (await Assert.ThrowsAsync<ArgumentException>(() => DBOS.CreateScheduleAsync("bad", nameof(ScheduleWorkflows.Tick), cron, "x")))!;
        Assert.That(error.Message, Does.Contain(reason));
        Assert.That(error.ParamName, Is.EqualTo("cron"));
        Assert.That(await CountAsync("SELECT COUNT(*) FROM {s}workflow_schedules"), Is.Zero);
    }

    [Test]
    public async Task Other_bad_input_is_refused_with_what_to_do_and_nothing_is_stored()
    {
        await LaunchAsync(o => o.RunSchedules = false);
        Assert.That((await Assert.ThrowsAsync<ArgumentException>(() => DBOS.CreateScheduleAsync("zone", nameof(ScheduleWorkflows.Tick), "* * * * *", "x", new ScheduleOptions { TimeZone = "Mars/Olympus" })))!.Message,
            Does.Contain("IANA"));
        Assert.That((await Assert.ThrowsAsync<ArgumentException>(() => DBOS.CreateScheduleAsync("typo", "Tikc", "* * * * *", "x")))!.Message, Does.Contain("No [Workflow] named 'Tikc'"));
        Assert.That((await Assert.ThrowsAsync<ArgumentException>(() => DBOS.CreateScheduleAsync("shape", nameof(ScheduleWorkflows.NotSchedulable), "* * * * *", "x")))!.Message,
            Does.Contain("(DateTimeOffset scheduledTime, TContext context)"));
        Assert.That((await Assert.ThrowsAsync<ArgumentException>(() => DBOS.CreateScheduleAsync("context", nameof(ScheduleWorkflows.Tick), "* * * * *", 42)))!.Message, Does.Contain("System.String context"));
        Assert.That(await CountAsync("SELECT COUNT(*) FROM {s}workflow_schedules"), Is.Zero);

        await DBOS.CreateScheduleAsync("twice", nameof(ScheduleWorkflows.Tick), "* * * * *", "x", new ScheduleOptions { TimeZone = "Europe/Paris" });
        Assert.That((await Assert.ThrowsAsync<ArgumentException>(() => DBOS.CreateScheduleAsync("twice", nameof(ScheduleWorkflows.Tick), "* * * * *", "y")))!.Message, Does.Contain("exists already"));
        Assert.That((await DBOS.GetScheduleAsync("twice"))!.GetContext<string>(), Is.EqualTo("x"));
        Assert.That((await DBOS.GetScheduleAsync("twice"))!.TimeZone, Is.EqualTo("Europe/Paris"));
    }

    [Test]
    public async Task A_schedule_in_a_time_zone_fires_at_local_times()
    {
        var time = new FakeTimeProvider(At("2026-06-01T06:59:30.500Z")); // 08:59:30 in Paris (UTC+2 in June)
        var runtime = await LaunchWithAsync(time);
        await DBOS.CreateScheduleAsync("paris-nine", nameof(ScheduleWorkflows.Tick), "0 9 * * *", "fr", new ScheduleOptions { TimeZone = "Europe/Paris" });
        await WhenWatchingAsync(runtime, "paris-nine");
        time.Advance(TimeSpan.FromMinutes(1));
        var nine = TickId("paris-nine", At("2026-06-01T07:00:00Z"));
        await WhenSucceededAsync(nine);
        Assert.That(await RunIdsAsync("paris-nine"), Is.EqualTo(new[] { nine }));
    }
}
