using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;

namespace Dbos.Tests;

public sealed class MessagingTests(string engine) : EngineTest(engine)
{
    private static async Task<WorkflowHandle<T>> StartAsync<T>(string workflowId, Func<Task<T>> workflow)
    {
        using (new SetWorkflowID(workflowId))
        {
            return await DBOS.StartWorkflowAsync(workflow);
        }
    }

    [Test]
    public async Task Destinations_topics_keys_and_idempotency_keys_with_an_unpaired_surrogate_are_rejected_before_anything_is_written()
    {
        await LaunchAsync();
        const string lone = "x-\uD800";
        var receiver = await StartAsync("receiver", () => MessagingWorkflows.ReceiveOne("t", 30));

        await Assert.ThrowsAsync<ArgumentException>(() => DBOS.SendAsync(lone, "m"));
        var topic = await Assert.ThrowsAsync<ArgumentException>(() => DBOS.SendAsync("receiver", "m", topic: lone));
        Assert.That(topic!.Message, Does.Contain("A topic").And.Contain("U+D800"));
        var key = await Assert.ThrowsAsync<ArgumentException>(() => DBOS.SendAsync("receiver", "m", "t", idempotencyKey: lone));
        Assert.That(key!.Message, Does.Contain("An idempotency key"));
        var eventKey = await Assert.ThrowsAsync<ArgumentException>(() => DBOS.GetEventAsync<string>("receiver", lone, TimeSpan.Zero));
        Assert.That(eventKey!.Message, Does.Contain("An event key"));
        Assert.That(await CountAsync("SELECT COUNT(*) FROM {s}notifications"), Is.Zero);

        using (new SetWorkflowID("sets-event"))
        {
            await Assert.ThrowsAsync<ArgumentException>(() => MessagingWorkflows.SetsEvent(lone));
        }

        using (new SetWorkflowID("receives-on-bad-topic"))
        {
            await Assert.ThrowsAsync<ArgumentException>(() => MessagingWorkflows.ReceiveOne(lone, 30));
        }

        Assert.That(await CountAsync("SELECT COUNT(*) FROM {s}workflow_events"), Is.Zero);
        Assert.That(await CountAsync("SELECT COUNT(*) FROM {s}operation_outputs WHERE workflow_uuid IN ('sets-event', 'receives-on-bad-topic')"), Is.Zero);

        await DBOS.SendAsync("receiver", "after", "t");
        Assert.That(await receiver.GetResultAsync(), Is.EqualTo("after"));
    }

    [Test]
    public async Task A_thousand_messages_arrive_in_the_order_they_were_sent()
    {
        await LaunchAsync();
        var handle = await StartAsync("fifo", () => MessagingWorkflows.ReceiveMany(1000));
        for (var i = 0; i < 1000; i++)
        {
            await DBOS.SendAsync("fifo", i);
        }

        Assert.That(await handle.GetResultAsync(), Is.EqualTo(Enumerable.Range(0, 1000)));
        Assert.That(await CountAsync("SELECT COUNT(*) FROM {s}notifications WHERE destination_uuid = 'fifo' AND consumed = @p1", IsPostgres ? true : 1), Is.EqualTo(1000));
    }

    [Test]
    public async Task Topics_are_separate_queues_and_no_topic_is_its_own()
    {
        await LaunchAsync();
        var handle = await StartAsync("topics", () => MessagingWorkflows.ReceiveTopics());
        await DBOS.SendAsync("topics", "plain");
        await DBOS.SendAsync("topics", "on-x", "x");
        Assert.That(await handle.GetResultAsync(), Is.EqualTo("on-x,plain"));
        var topics = (await QueryAsync("SELECT topic FROM {s}notifications ORDER BY topic")).Select(r => r[0]).ToList();
        Assert.That(topics, Is.EqualTo(new[] { "__null__topic__", "x" }), "a missing topic is stored as DBOS stores it");
    }

    [Test]
    public async Task A_receive_records_the_message_and_its_timeout_as_DBOS_does_whether_or_not_it_waited()
    {
        await LaunchAsync();
        var waited = await StartAsync("waited", () => MessagingWorkflows.ReceiveOne(null, 30));
        await EventuallyAsync(async () => await StepCountAsync("waited") >= 1, "the receive is waiting");
        await DBOS.SendAsync("waited", "sent later");
        Assert.That(await waited.GetResultAsync(), Is.EqualTo("sent later"));

        var ready = await StartAsync("ready", () => MessagingWorkflows.GateThenReceive("ready-gate"));
        await DBOS.SendAsync("ready", "already there");
        Probe.Open("ready-gate");
        Assert.That(await ready.GetResultAsync(), Is.EqualTo("already there"));

        var waitedOps = await QueryAsync("SELECT function_name FROM {s}operation_outputs WHERE workflow_uuid = 'waited' ORDER BY function_id");
        Assert.That(waitedOps.Select(r => (string?)r[0]), Is.EqualTo(new[] { "DBOS.recv", "DBOS.sleep" }));
        var readyOps = await QueryAsync("SELECT function_name FROM {s}operation_outputs WHERE workflow_uuid = 'ready' ORDER BY function_id");
        Assert.That(readyOps.Select(r => (string?)r[0]), Is.EqualTo(new[] { "WaitGate", "DBOS.recv", "DBOS.sleep" }), "the timeout row is written with the receive");
    }

    [Test]
    public async Task Recv_returns_default_when_the_timeout_passes()
    {
        await LaunchAsync();
        var watch = Stopwatch.StartNew();
        Assert.That(await MessagingWorkflows.ReceiveOne(null, 0.3), Is.Null);
        Assert.That(watch.Elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(250)).And.LessThan(TimeSpan.FromSeconds(20)));
    }

    [Test]
    public async Task Waiting_follows_the_TimeProvider_so_an_hour_long_timeout_can_be_skipped()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await LaunchAsync(o => o.TimeProvider = time);
        var handle = await StartAsync("hour", () => MessagingWorkflows.ReceiveOne("never", 3600));
        await EventuallyAsync(async () => await StepCountAsync("hour") >= 1, "the receive recorded its timeout");
        Assert.That(handle.GetResultAsync().IsCompleted, Is.False);
        time.Advance(TimeSpan.FromMinutes(61));
        var result = await handle.GetResultAsync().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.That(result, Is.Null);
    }

    [Test]
    public async Task Sending_twice_with_one_idempotency_key_delivers_once()
    {
        await LaunchAsync();
        var handle = await StartAsync("idempotent", () => MessagingWorkflows.ReceiveMany(2));
        await DBOS.SendAsync("idempotent", 7, idempotencyKey: "k1");
        await DBOS.SendAsync("idempotent", 7, idempotencyKey: "k1");
        await DBOS.SendAsync("idempotent", 8, idempotencyKey: "k2");
        Assert.That(await handle.GetResultAsync(), Is.EqualTo(new[] { 7, 8 }));
        var uuids = (await QueryAsync("SELECT message_uuid FROM {s}notifications ORDER BY message_uuid")).Select(r => r[0]).ToList();
        Assert.That(uuids, Is.EqualTo(new[] { "k1::idempotent", "k2::idempotent" }));
    }

    [Test]
    public async Task A_send_inside_a_workflow_is_a_durable_operation()
    {
        await LaunchAsync();
        var receiver = await StartAsync("receiver", () => MessagingWorkflows.ReceiveOne("from-workflow", 30));
        using (new SetWorkflowID("sender"))
        {
            await DBOS.StartWorkflowAsync(() => MessagingWorkflows.SendFromWorkflow("receiver", "hi"));
        }

        Assert.That(await receiver.GetResultAsync(), Is.EqualTo("hi"));
        var op = await QueryAsync("SELECT function_id, function_name FROM {s}operation_outputs WHERE workflow_uuid = 'sender'");
        Assert.That(op.Select(r => (string?)r[1]), Does.Contain("DBOS.send"));
        Probe.Open("receiver-sent");
    }

    [Test]
    public async Task GetEvent_waits_for_an_event_that_is_not_set_yet_and_updates_return_the_latest()
    {
        await LaunchAsync();
        var waiting = DBOS.GetEventAsync<string>("publisher", "status", TimeSpan.FromSeconds(30));
        await Task.Delay(100);
        Assert.That(waiting.IsCompleted, Is.False);
        var handle = await StartAsync("publisher", () => MessagingWorkflows.Publisher("pub-gate"));
        Assert.That(await waiting, Is.EqualTo("started"));
        Probe.Open("pub-gate");
        await handle.GetResultAsync();
        Assert.That(await DBOS.GetEventAsync<string>("publisher", "status"), Is.EqualTo("done"));
        var history = await QueryAsync("SELECT function_id, value FROM {s}workflow_events_history WHERE workflow_uuid = 'publisher' ORDER BY function_id");
        Assert.That(history.Select(r => (string?)r[1]), Is.EqualTo(new[] { "\"started\"", "\"done\"" }));
        Assert.That(await DBOS.GetEventAsync<string>("publisher", "missing", TimeSpan.FromMilliseconds(100)), Is.Null);
    }

    [Test]
    public async Task GetEvent_inside_a_workflow_is_recorded_and_SetEvent_works_in_a_step()
    {
        await LaunchAsync();
        using (new SetWorkflowID("from-step"))
        {
            Assert.That(await MessagingWorkflows.PublishFromStep(), Is.EqualTo("set"));
        }

        Assert.That(await DBOS.GetEventAsync<int>("from-step", "from-step"), Is.EqualTo(42));
        using (new SetWorkflowID("reader"))
        {
            Assert.That(await MessagingWorkflows.WaitForEvent("publisher-2", "nothing", 0.2), Is.Null);
        }

        var ops = await QueryAsync("SELECT function_id, function_name, output FROM {s}operation_outputs WHERE workflow_uuid = 'reader' ORDER BY function_id");
        Assert.That(ops.Select(r => (string?)r[1]), Is.EqualTo(new[] { "DBOS.getEvent", "DBOS.sleep" }));
    }

    [Test]
    public async Task Durable_sleep_records_its_wake_up_time_and_zero_takes_no_function_id()
    {
        await LaunchAsync();
        using (new SetWorkflowID("sleepy"))
        {
            Assert.That(await MessagingWorkflows.SleepTwice(0.05), Is.EqualTo("rested"));
        }

        var ops = await QueryAsync("SELECT function_id, function_name, output, serialization FROM {s}operation_outputs WHERE workflow_uuid = 'sleepy' ORDER BY function_id");
        Assert.That(ops.Select(r => Convert.ToInt32(r[0], CultureInfo.InvariantCulture)), Is.EqualTo(new[] { 0, 1 }));
        Assert.That(ops.All(r => (string?)r[1] == "DBOS.sleep" && (string?)r[3] == "portable_json"));
        var wake = long.Parse((string)ops[0][2]!, CultureInfo.InvariantCulture);
        Assert.That(DateTimeOffset.FromUnixTimeMilliseconds(wake), Is.EqualTo(DateTimeOffset.UtcNow).Within(TimeSpan.FromMinutes(1)), "epoch milliseconds, as DBOS TypeScript stores it");
    }

    /// <summary>Fires every timer 30 ms before it is due, as coarse timers can.</summary>
    private sealed class EarlyTimers : TimeProvider
    {
        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
            => TimeProvider.System.CreateTimer(callback, state, dueTime > TimeSpan.FromMilliseconds(30) ? dueTime - TimeSpan.FromMilliseconds(30) : dueTime, period);
    }

    [Test]
    public async Task A_durable_sleep_never_wakes_before_the_deadline_it_recorded_even_when_timers_fire_early()
    {
        await LaunchAsync(o => o.TimeProvider = new EarlyTimers());
        long woke;
        using (new SetWorkflowID("punctual"))
        {
            woke = await MessagingWorkflows.SleepThenClock(0.2);
        }

        var deadline = long.Parse((string)(await QueryAsync("SELECT output FROM {s}operation_outputs WHERE workflow_uuid = 'punctual' AND function_id = 0"))[0][0]!, CultureInfo.InvariantCulture);
        Assert.That(woke, Is.GreaterThanOrEqualTo(deadline), "woke at or after the recorded deadline");
    }

    [Test]
    public async Task Misuse_gets_clear_errors()
    {
        await LaunchAsync();
        var recv = await Assert.ThrowsAsync<InvalidOperationException>(() => DBOS.RecvAsync<string>());
        Assert.That(recv!.Message, Does.Contain("inside a workflow"));
        var setEvent = await Assert.ThrowsAsync<InvalidOperationException>(() => DBOS.SetEventAsync("k", 1));
        Assert.That(setEvent!.Message, Does.Contain("inside a workflow"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => DBOS.SleepAsync(TimeSpan.FromSeconds(1)));
        var missing = await Assert.ThrowsAsync<NonExistentWorkflowException>(() => DBOS.SendAsync("nobody-home", "hello"));
        Assert.That(missing!.WorkflowId, Is.EqualTo("nobody-home"));
        Assert.That(await CountAsync("SELECT COUNT(*) FROM {s}notifications"), Is.Zero);
    }

    [Test]
    public async Task A_message_of_the_wrong_type_names_both_types_and_stays_unconsumed()
    {
        await LaunchAsync();
        var handle = await StartAsync("typed", () => MessagingWorkflows.ReceiveNumber());
        await DBOS.SendAsync("typed", "not a number");
        var error = await Assert.ThrowsAsync<DbosSerializationException>(() => handle.GetResultAsync());
        Assert.That(error!.Message, Does.Contain("a JSON string").And.Contain("System.Nullable").And.Contain("Int32").And.Contain("unconsumed"));
        var consumed = await QueryAsync("SELECT consumed FROM {s}notifications WHERE destination_uuid = 'typed'");
        Assert.That(Convert.ToBoolean(consumed[0][0], CultureInfo.InvariantCulture), Is.False, "nothing is lost by asking for the wrong type");
    }

    [Test]
    public async Task Children_started_inside_a_workflow_get_derived_ids_and_are_not_rerun_when_the_parent_recovers()
    {
        var first = await LaunchAsync();
        await StartAsync("family", () => MessagingWorkflows.StartsChildren("family-gate"));
        await EventuallyAsync(async () => await StepCountAsync("family") >= 4, "both children finished and their results were recorded");
        await first.ShutdownAsync();

        var second = await LaunchAsync();
        var handle = await second.RetrieveWorkflowAsync<string>("family");
        Probe.Open("family-gate");
        Assert.That(await handle.GetResultAsync(), Is.EqualTo("one@family-0+two@family-1"));
        Assert.That(Probe.Count("child:one"), Is.EqualTo(1));
        Assert.That(Probe.Count("child:two"), Is.EqualTo(1));
        var ops = await QueryAsync("SELECT function_id, function_name, child_workflow_id FROM {s}operation_outputs WHERE workflow_uuid = 'family' ORDER BY function_id");
        Assert.That(ops.Select(r => (string?)r[1]), Is.EqualTo(new[] { "CountedChild", "CountedChild", "DBOS.getResult", "DBOS.getResult", "WaitGate" }));
        Assert.That(ops.Take(2).Select(r => (string?)r[2]), Is.EqualTo(new[] { "family-0", "family-1" }));
    }

    [Test]
    public async Task Sync_variants_work_in_a_sync_workflow_even_under_a_single_threaded_synchronization_context()
    {
        await LaunchAsync();
        var peer = await StartAsync("sync-peer", () => MessagingWorkflows.ReceiveMany(1));
        var previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(new NeverPumpedContext());
        try
        {
            var background = Task.Run(async () =>
            {
                Assert.That(await DBOS.GetEventAsync<string>("sync-wf", "sync", TimeSpan.FromSeconds(30)), Is.EqualTo("ready"));
                await DBOS.SendAsync("sync-wf", 41);
            });
            using (new SetWorkflowID("sync-wf"))
            {
                Assert.That(MessagingWorkflows.SyncMessaging("sync-peer"), Is.EqualTo(41));
            }

            await background;
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }

        Assert.That(DBOS.GetEvent<string>("sync-wf", "sync"), Is.EqualTo("ready"));
        Assert.That(await peer.GetResultAsync(), Is.EqualTo(new[] { 42 }));
    }

    [Test]
    public async Task Two_thousand_workflows_can_wait_at_once()
    {
        await LaunchAsync();
        var handles = new List<WorkflowHandle<string?>>();
        for (var i = 0; i < 2000; i++)
        {
            handles.Add(await StartAsync($"waiter-{i}", () => MessagingWorkflows.ReceiveOne(null, 120)));
        }

        await EventuallyAsync(async () => await CountAsync("SELECT COUNT(*) FROM {s}operation_outputs WHERE function_name = 'DBOS.sleep'") == 2000, "all are waiting");
        for (var i = 0; i < 2000; i++)
        {
            await DBOS.SendAsync($"waiter-{i}", $"m{i}");
        }

        var results = await Task.WhenAll(handles.Select(h => h.GetResultAsync()));
        Assert.That(results, Is.EqualTo(Enumerable.Range(0, 2000).Select(i => $"m{i}")));
    }

    [Test]
    public async Task A_sender_in_another_process_wakes_a_waiting_receiver_promptly()
    {
        await LaunchAsync();
        var handle = await StartAsync("remote-receiver", () => MessagingWorkflows.ReceiveOne(null, 120));
        await EventuallyAsync(async () => await StepCountAsync("remote-receiver") >= 1, "the receiver is waiting");
        using var sender = TestApp.Start("send", Database, "remote-receiver", "from afar");
        Assert.That(await sender.WaitForResultAsync(TimeSpan.FromSeconds(60)), Is.EqualTo("sent"));
        var woken = Stopwatch.StartNew();
        Assert.That(await handle.GetResultAsync().WaitAsync(TimeSpan.FromSeconds(60)), Is.EqualTo("from afar"));
        // The fallback poll is 60 s with LISTEN (1 s on SQLite): a prompt wake-up shows the notification path works.
        Assert.That(woken.Elapsed, Is.LessThan(TimeSpan.FromSeconds(IsPostgres ? 10 : 5)));
    }

    [Test]
    public async Task Durable_sleep_across_a_SIGKILL_wakes_at_the_original_deadline()
    {
        await (await LaunchAsync()).ShutdownAsync();
        using (var app = TestApp.Start("sleep", Database, "sleeper", "8"))
        {
            await EventuallyAsync(async () => await StepCountAsync("sleeper") >= 1, "the sleep recorded its wake-up time");
            await Task.Delay(5000); // most of the sleep passes before the crash
            await app.KillAsync();
        }

        var deadline = long.Parse((string)(await QueryAsync("SELECT output FROM {s}operation_outputs WHERE workflow_uuid = 'sleeper' AND function_name = 'DBOS.sleep'"))[0][0]!, CultureInfo.InvariantCulture);
        using var again = TestApp.Start("sleep", Database, "sleeper", "8");
        var launched = long.Parse(await again.WaitForLineAsync("LAUNCHED ", TimeSpan.FromSeconds(60)), CultureInfo.InvariantCulture);
        var woke = long.Parse(await again.WaitForResultAsync(TimeSpan.FromSeconds(60)), CultureInfo.InvariantCulture);
        Assert.That(woke, Is.GreaterThanOrEqualTo(deadline), "it did not wake early");
        // Sleeping the whole 8 s again would end at least 8 s after the second process launched; the remainder ends at the
        // recorded deadline (at most 3 s after it launched), or at once when that has passed.
        Assert.That(woke - launched, Is.LessThan(8000), "it slept the remainder, not the whole 8 s again");
    }

    [Test]
    public async Task A_received_message_survives_a_SIGKILL_before_the_next_step_and_is_not_received_twice()
    {
        await LaunchAsync(); // the test sends from here; the app's workflows are another application version, not recovered here
        var effects = Path.Combine(Path.GetTempPath(), $"dbos-recv-{Guid.NewGuid():N}.txt");
        using (var app = TestApp.Start("recv", Database, "inbox", effects, "3"))
        {
            await EventuallyAsync(async () => await StatusAsync("inbox") is not null, "the receiver started");
            await DBOS.SendAsync("inbox", "m1");
            // Kill inside the step that follows the receive: the receive is recorded, the step is not.
            await EventuallyAsync(async () => await CountAsync("SELECT COUNT(*) FROM {s}operation_outputs WHERE workflow_uuid = 'inbox' AND function_name = 'DBOS.recv'") == 1, "m1 was received");
            await app.KillAsync();
        }

        // Decided from the database, not from timing: if the kill landed inside the step after the receive (its effect is
        // there, its checkpoint is not), that step legitimately runs again after the restart; the receive never does.
        var handledBeforeCheckpoint = File.Exists(effects) && File.ReadAllLines(effects).Contains("m1")
            && await CountAsync("SELECT COUNT(*) FROM {s}operation_outputs WHERE workflow_uuid = 'inbox' AND function_name <> 'DBOS.recv' AND function_name <> 'DBOS.sleep'") == 0;

        await DBOS.SendAsync("inbox", "m2");
        using (var app = TestApp.Start("recv", Database, "inbox", effects, "3"))
        {
            await EventuallyAsync(async () => await CountAsync("SELECT COUNT(*) FROM {s}operation_outputs WHERE workflow_uuid = 'inbox' AND function_name = 'DBOS.recv'") == 2, "m2 was received");
            await DBOS.SendAsync("inbox", "m3");
            Assert.That(await app.WaitForResultAsync(TimeSpan.FromSeconds(60)), Is.EqualTo("m1,m2,m3"));
        }

        var lines = File.ReadAllLines(effects).Where(l => l.Length > 0).ToList();
        Assert.That(lines, Is.EqualTo(handledBeforeCheckpoint ? new[] { "m1", "m1", "m2", "m3" } : new[] { "m1", "m2", "m3" }),
            "each message was received once, in order (m1's step twice only if the kill landed inside it)");
        Assert.That(await CountAsync("SELECT COUNT(*) FROM {s}notifications WHERE destination_uuid = 'inbox'"), Is.EqualTo(3));
        File.Delete(effects);
    }

    /// <summary>A context that never runs what is posted to it: sync-over-async code that needed it would hang.</summary>
    private sealed class NeverPumpedContext : SynchronizationContext
    {
        public override void Post(SendOrPostCallback d, object? state)
        {
        }
    }
}
