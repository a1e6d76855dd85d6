using System;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;
using NUnit.Framework;

namespace Dbos.Testing.Tests;

public sealed class TimeSkippingTests(string engine) : EngineTest(engine)
{
    [Test]
    public async Task A_workflow_that_sleeps_30_days_returns_when_awaited_and_records_a_30_day_sleep()
    {
        await using var env = await StartAsync();
        var client = env.GetRequiredService<ITimedWorkflowsClient>();
        var start = env.Time.UtcNow;
        var watch = Stopwatch.StartNew();
        var handle = await client.StartSubscriptionAsync("ann-" + Engine, 30);
        var result = await handle.GetResultAsync();
        watch.Stop();
        TestContext.Out.WriteLine($"A workflow that sleeps 30 days ({Engine}): {watch.ElapsedMilliseconds} ms from start to result.");

        Assert.That(result, Is.EqualTo("ann-" + Engine + ": billed twice, 30 days apart"));
        Assert.That(Runs.Count("bill-ann-" + Engine), Is.EqualTo(2));
        var steps = await env.Runtime.ListWorkflowStepsAsync(handle.WorkflowId);
        Assert.That(steps.Select(s => s.Name), Is.EqualTo(new[] { "Bill", "DBOS.sleep", "Bill" }));
        Assert.That(steps[1].GetOutput<long>(), Is.EqualTo((start + TimeSpan.FromDays(30)).ToUnixTimeMilliseconds()), "the recorded wake-up time");
        Assert.That(env.Time.UtcNow, Is.GreaterThanOrEqualTo(start + TimeSpan.FromDays(30)));
        Assert.That(env.Time.AutoSkipped, Is.GreaterThanOrEqualTo(TimeSpan.FromDays(30)));
    }

    [Test]
    public async Task Time_stands_still_until_an_outcome_is_awaited_so_a_message_sent_first_is_received()
    {
        await using var env = await StartAsync();
        var client = env.GetRequiredService<ITimedWorkflowsClient>();
        var start = env.Time.UtcNow;
        var handle = await client.StartWaitForPaymentAsync("o1");
        await WaitUntilRecordedAsync(env, handle.WorkflowId, "DBOS.sleep"); // the receive waits, with its 1-day timeout recorded
        Assert.That(env.Time.UtcNow, Is.EqualTo(start), "nobody awaited an outcome: no time was skipped");
        using (env.Use())
        {
            await DBOS.SendAsync(handle.WorkflowId, "42 EUR", "payment");
        }

        Assert.That(await handle.GetResultAsync(), Is.EqualTo("o1: paid 42 EUR"));
    }

    [Test]
    public async Task A_receive_nobody_answers_times_out_when_its_workflow_is_awaited()
    {
        await using var env = await StartAsync();
        var start = env.Time.UtcNow;
        Assert.That(await env.GetRequiredService<ITimedWorkflowsClient>().WaitForPaymentAsync("o2"), Is.EqualTo("o2: expired"));
        Assert.That(env.Time.UtcNow, Is.GreaterThanOrEqualTo(start + TimeSpan.FromDays(1)));
    }

    [Test]
    public async Task Step_retry_intervals_are_skipped()
    {
        await using var env = await StartAsync();
        var key = "retry-" + Engine + "-" + Guid.NewGuid().ToString("N");
        Assert.That(await env.GetRequiredService<ITimedWorkflowsClient>().FlakyAsync(key), Is.EqualTo(3));
        Assert.That(Runs.Count("flaky-" + key), Is.EqualTo(3));
    }

    [Test]
    public async Task A_workflow_timeout_comes_before_a_longer_sleep()
    {
        await using var env = await StartAsync();
        var start = env.Time.UtcNow;
        WorkflowHandle<string> handle;
        using (new SetWorkflowTimeout(TimeSpan.FromHours(1)))
        {
            handle = await env.GetRequiredService<ITimedWorkflowsClient>().StartSleepPastTimeoutAsync();
        }

        await Assert.ThrowsAsync<AwaitedWorkflowCancelledException>(() => handle.GetResultAsync());
        Assert.That((await handle.GetStatusAsync())!.Status, Is.EqualTo("CANCELLED"));
        Assert.That(env.Time.UtcNow, Is.LessThan(start + TimeSpan.FromDays(2)), "the clock stopped at the deadline, not at the sleep's end");
    }

    [Test]
    public async Task Without_auto_skip_the_test_moves_the_clock()
    {
        await using var env = await StartAsync(o => o.AutoSkipTime = false);
        var client = env.GetRequiredService<ITimedWorkflowsClient>();
        var handle = await client.StartSubscriptionAsync("bob-" + Engine, 1);
        await WaitUntilRecordedAsync(env, handle.WorkflowId, "DBOS.sleep");
        env.Time.Advance(TimeSpan.FromHours(23));
        Assert.That((await handle.GetStatusAsync())!.Status, Is.EqualTo("PENDING"));
        Assert.That(env.Time.AutoSkipped, Is.EqualTo(TimeSpan.Zero));
        env.Time.Advance(TimeSpan.FromHours(1));
        Assert.That(await handle.GetResultAsync(), Does.EndWith("1 days apart"));
    }

    [Test]
    public async Task A_restart_recovers_a_sleeping_workflow_which_sleeps_only_the_remainder()
    {
        await using var env = await StartAsync(o => o.AutoSkipTime = false);
        var customer = "cat-" + Engine + "-" + Guid.NewGuid().ToString("N");
        var handle = await env.GetRequiredService<ITimedWorkflowsClient>().StartSubscriptionAsync(customer, 1);
        await WaitUntilRecordedAsync(env, handle.WorkflowId, "DBOS.sleep");
        env.Time.Advance(TimeSpan.FromHours(20));
        await env.RestartAsync();
        Assert.That(env.Process, Is.EqualTo(1));
        env.Time.Advance(TimeSpan.FromHours(4));
        var recovered = await env.Runtime.RetrieveWorkflowAsync<string>(handle.WorkflowId);
        Assert.That(await recovered.GetResultAsync(), Does.StartWith(customer));
        Assert.That(env.StepRuns.Where(r => r.WorkflowId == handle.WorkflowId).Select(r => (r.Name, r.Process)), Is.EqualTo(new[] { ("Bill", 0), ("Bill", 1) }));
    }

    internal static async Task WaitUntilRecordedAsync(DbosTestEnvironment env, string workflowId, string operation)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!(await env.Runtime.ListWorkflowStepsAsync(workflowId)).Any(s => s.Name == operation))
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Workflow {workflowId} did not record {operation} within 30 s.");
            }

            await Task.Delay(10);
        }
    }
}
