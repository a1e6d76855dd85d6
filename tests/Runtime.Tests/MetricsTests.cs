using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Linq;
using System.Threading.Tasks;
using NUnit.Framework;

namespace Dbos.Tests;

/// <summary>The <c>Dbos</c> meter, read with a <see cref="MeterListener"/> as any metrics exporter would.</summary>
public sealed class MetricsTests(string engine) : EngineTest(engine)
{
    private sealed record Reading(string Instrument, double Value, Dictionary<string, object?> Tags);

    private static (MeterListener Listener, ConcurrentQueue<Reading> Readings) Listen()
    {
        var readings = new ConcurrentQueue<Reading>();
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == DbosInstrumentation.MeterName)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
            readings.Enqueue(new Reading(instrument.Name, value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value)));
        listener.SetMeasurementEventCallback<long>((i, v, t, _) => Record(i, v, t));
        listener.SetMeasurementEventCallback<double>((i, v, t, _) => Record(i, v, t));
        listener.Start();
        return (listener, readings);
    }

    [Test]
    public async Task Workflows_steps_and_queues_are_measured_with_their_names_and_outcomes()
    {
        var (listener, readings) = Listen();
        using var _ = listener;
        await LaunchAsync(o => o.AddQueue(new WorkflowQueue("metered")));
        Assert.That(await MetricsWorkflows.Measured(2), Is.EqualTo(3));
        Assert.That(async () => await MetricsWorkflows.Failing(), Throws.InstanceOf<InvalidOperationException>());
        var queued = await DBOS.EnqueueAsync("metered", () => MetricsWorkflows.Measured(5));
        Assert.That(await queued.GetResultAsync(), Is.EqualTo(6));

        List<Reading> Of(string instrument, string workflow) =>
            readings.Where(r => r.Instrument == instrument && Equals(r.Tags.GetValueOrDefault("dbos.workflow.name"), workflow)).ToList();
        const string measured = nameof(MetricsWorkflows) + "." + nameof(MetricsWorkflows.Measured);
        const string failing = nameof(MetricsWorkflows) + "." + nameof(MetricsWorkflows.Failing);
        Assert.That(Of("dbos.workflow.started", measured).Select(r => r.Tags["dbos.start"]), Is.EquivalentTo(new[] { "new", "queue" }));
        Assert.That(Of("dbos.workflow.completed", measured).Select(r => r.Tags["dbos.workflow.status"]), Is.EqualTo(new[] { "SUCCESS", "SUCCESS" }));
        Assert.That(Of("dbos.workflow.completed", failing).Select(r => r.Tags["dbos.workflow.status"]), Is.EqualTo(new[] { "ERROR" }));
        Assert.That(Of("dbos.workflow.duration", measured).Select(r => r.Value).ToList(), Has.Count.EqualTo(2).And.All.GreaterThanOrEqualTo(0.0));

        var steps = readings.Where(r => r.Instrument == "dbos.step.duration").ToList();
        Assert.That(steps.Where(r => Equals(r.Tags["dbos.step.name"], nameof(MetricsWorkflows.AddOne))).Select(r => r.Tags["dbos.outcome"]), Is.EqualTo(new[] { "success", "success" }));
        Assert.That(steps.Where(r => Equals(r.Tags["dbos.step.name"], nameof(MetricsWorkflows.Throws))).Select(r => r.Tags["dbos.outcome"]), Is.EqualTo(new[] { "error" }));
        Assert.That(readings.Where(r => r.Instrument == "dbos.queue.dispatch_latency").Select(r => r.Tags["dbos.queue.name"]), Is.EqualTo(new[] { "metered" }));
    }

    [Test]
    public async Task The_queue_depth_gauge_reads_the_enqueued_workflows_of_the_served_queues()
    {
        var interval = DbosRuntime.QueueDepthInterval;
        DbosRuntime.QueueDepthInterval = TimeSpan.FromMilliseconds(50);
        var (listener, readings) = Listen();
        using var _ = listener;
        try
        {
            // Registered (so this process may enqueue on it) but not served: its workflows stay ENQUEUED.
            await LaunchAsync(o =>
            {
                o.AddQueue(new WorkflowQueue("parked"));
                o.ListenQueues = [];
            });
            for (var i = 0; i < 3; i++)
            {
                await DBOS.EnqueueAsync("parked", () => MetricsWorkflows.Measured(i));
            }

            await EventuallyAsync(() =>
            {
                listener.RecordObservableInstruments();
                return Task.FromResult(readings.Any(r => r.Instrument == "dbos.queue.depth" && Equals(r.Tags["dbos.queue.name"], "parked") && r.Value == 3));
            }, "the gauge reports the three parked workflows");
        }
        finally
        {
            DbosRuntime.QueueDepthInterval = interval;
        }
    }
}

public static partial class MetricsWorkflows
{
    [Workflow]
    public static async Task<int> Measured(int x) => await AddOne(x);

    [Step]
    public static Task<int> AddOne(int x) => Task.FromResult(x + 1);

    [Workflow]
    public static async Task Failing() => await Throws();

    [Step]
    public static Task Throws() => throw new InvalidOperationException("planned");
}
