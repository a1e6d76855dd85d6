using System;
using System.Threading.Tasks;
using NUnit.Framework;

namespace Dbos.Testing.Tests;

/// <summary>Auto-skip for the work the clock itself starts: a queued workflow's delay, and a stored schedule's ticks.</summary>
public sealed class ClockedStartTests(string engine) : EngineTest(engine)
{
    private static readonly DateTimeOffset Monday = new(2026, 3, 2, 10, 0, 0, TimeSpan.Zero);

    [Test]
    public async Task A_queued_workflow_delayed_three_days_runs_when_awaited_at_the_end_of_its_delay()
    {
        var later = new WorkflowQueue("later");
        await using var env = await StartAsync(o =>
        {
            o.StartTime = Monday;
            o.ConfigureDbos(d => d.AddQueue(later));
        });

        WorkflowHandle<string> handle;
        using (env.Use())
        {
            handle = await DBOS.EnqueueAsync(later, () => new ClockedWorkflows().Reminder("renew"), new WorkflowOptions { Delay = TimeSpan.FromDays(3) });
        }

        Assert.That((await handle.GetStatusAsync())!.Status, Is.EqualTo("DELAYED"), "nobody awaited it yet: time stood still");
        Assert.That(await handle.GetResultAsync(), Is.EqualTo("reminder: renew"));

        var status = await handle.GetStatusAsync();
        Assert.That(status!.Status, Is.EqualTo("SUCCESS"));
        Assert.That(status.DequeuedAt, Is.GreaterThanOrEqualTo(Monday + TimeSpan.FromDays(3)), "it ran once its delay was over, not before");
        // The clock went to the release (within the queue's one-second poll), not to some later timer.
        Assert.That(env.Time.UtcNow, Is.LessThan(Monday + TimeSpan.FromDays(3) + TimeSpan.FromMinutes(1)));
    }

    [Test]
    public async Task A_stored_daily_schedule_runs_each_tick_when_its_runs_are_awaited()
    {
        await using var env = await StartAsync(o => o.StartTime = Monday);
        using (env.Use())
        {
            await DBOS.CreateScheduleAsync("digest", nameof(ClockedWorkflows.DailyDigest), "0 9 * * *", context: "staff");
        }

        var tuesday = new DateTimeOffset(2026, 3, 3, 9, 0, 0, TimeSpan.Zero);
        foreach (var tick in new[] { tuesday, tuesday.AddDays(1) })
        {
            var run = await env.Runtime.RetrieveWorkflowAsync<string>($"sched-digest-{tick.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}", existingWorkflow: false);
            Assert.That(await run.GetResultAsync(), Is.EqualTo($"digest for staff at {tick:O}"));
            // At most the schedule's jitter (a tenth of the wait, at most 10 s) and a poll past the tick.
            Assert.That(env.Time.UtcNow, Is.InRange(tick, tick + TimeSpan.FromMinutes(1)));
        }

        var runs = await env.Runtime.ListWorkflowsAsync(new WorkflowFilter { Name = nameof(ClockedWorkflows.DailyDigest) });
        Assert.That(runs, Has.Count.EqualTo(2), "one run per tick, none for the skipped hours in between");
    }
}
