using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Dbos.Tracing;

/// <summary>
/// The <c>Dbos</c> meter (<see cref="DbosInstrumentation.MeterName"/>). Instruments cost a field read when nothing listens; the
/// queue depth is read from the database only while a listener has enabled its gauge.
/// </summary>
internal static class DbosMetrics
{
    private static readonly Meter Meter = new(DbosInstrumentation.MeterName, typeof(DbosMetrics).Assembly.GetName().Version?.ToString());

    public static readonly Counter<long> WorkflowsStarted = Meter.CreateCounter<long>(
        "dbos.workflow.started", "{workflow}", "Workflow executions begun in this process: new, recovered, taken over or dequeued.");

    public static readonly Counter<long> WorkflowsCompleted = Meter.CreateCounter<long>(
        "dbos.workflow.completed", "{workflow}", "Workflow executions that recorded an outcome here, by status (SUCCESS or ERROR).");

    public static readonly Histogram<double> WorkflowDuration = Meter.CreateHistogram<double>(
        "dbos.workflow.duration", "s", "Duration of workflow executions that recorded an outcome here (this execution only, not earlier ones).");

    public static readonly Histogram<double> StepDuration = Meter.CreateHistogram<double>(
        "dbos.step.duration", "s", "Duration of step bodies run here (retries included), by step and outcome; replayed steps are not counted.");

    public static readonly Counter<long> Recovered = Meter.CreateCounter<long>(
        "dbos.workflow.recovered", "{workflow}", "Workflows of gone processes claimed here: resumed (dbos.recovery = start or takeover) or put back on their queue (requeue).");

    public static readonly Histogram<double> DispatchLatency = Meter.CreateHistogram<double>(
        "dbos.queue.dispatch_latency", "s", "Time from enqueue (or the end of its delay) to dequeue, by queue.");

    public static readonly ObservableGauge<long> QueueDepth = Meter.CreateObservableGauge(
        "dbos.queue.depth", ObserveDepths, "{workflow}", "ENQUEUED workflows per queue registered in this process, read from the system database every 5 seconds while observed.");

    public static readonly ObservableGauge<long> QueueRunning = Meter.CreateObservableGauge(
        "dbos.queue.running", ObserveRunning, "{workflow}", "Workflows of each queue running in this process now.");

    public static readonly ObservableGauge<long> OtherVersions = Meter.CreateObservableGauge(
        "dbos.workflow.other_versions", ObserveOtherVersions, "{workflow}",
        "PENDING and ENQUEUED workflows of other application versions, which this process does not recover or dequeue, as counted every 30 seconds (docs/versioning.md).");

    /// <summary>Makes sure the instruments exist (static fields are created on first use), so the gauges are there from start.</summary>
    public static void EnsureCreated() => _ = OtherVersions;

    /// <summary>An execution begins; <paramref name="start"/> is <c>new</c>, <c>recovery</c> or <c>queue</c>.</summary>
    public static void WorkflowStarted(string name, string start)
    {
        if (WorkflowsStarted.Enabled)
        {
            WorkflowsStarted.Add(1, new KeyValuePair<string, object?>("dbos.workflow.name", name), new KeyValuePair<string, object?>("dbos.start", start));
        }
    }

    public static void WorkflowCompleted(string name, string status, long startTimestamp)
    {
        var tagName = new KeyValuePair<string, object?>("dbos.workflow.name", name);
        var tagStatus = new KeyValuePair<string, object?>("dbos.workflow.status", status);
        if (WorkflowsCompleted.Enabled)
        {
            WorkflowsCompleted.Add(1, tagName, tagStatus);
        }

        if (WorkflowDuration.Enabled)
        {
            WorkflowDuration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, tagName, tagStatus);
        }
    }

    public static void StepFinished(string name, bool failed, long startTimestamp)
    {
        if (StepDuration.Enabled)
        {
            StepDuration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds,
                new KeyValuePair<string, object?>("dbos.step.name", name), new KeyValuePair<string, object?>("dbos.outcome", failed ? "error" : "success"));
        }
    }

    public static void WorkflowsRecovered(int count, string how)
    {
        if (count > 0 && Recovered.Enabled)
        {
            Recovered.Add(count, new KeyValuePair<string, object?>("dbos.recovery", how));
        }
    }

    public static void Dispatched(string queue, double seconds)
    {
        if (DispatchLatency.Enabled)
        {
            DispatchLatency.Record(seconds < 0 ? 0 : seconds, new KeyValuePair<string, object?>("dbos.queue.name", queue));
        }
    }

    private static IEnumerable<Measurement<long>> ObserveDepths()
    {
        foreach (var runtime in DbosRuntime.LaunchedRuntimes())
        {
            foreach (var (queue, depth) in runtime.QueueDepths)
            {
                yield return new Measurement<long>(depth, new KeyValuePair<string, object?>("dbos.queue.name", queue), new KeyValuePair<string, object?>("dbos.executor.id", runtime.ExecutorId));
            }
        }
    }

    private static IEnumerable<Measurement<long>> ObserveOtherVersions()
    {
        foreach (var runtime in DbosRuntime.LaunchedRuntimes())
        {
            yield return new Measurement<long>(runtime.OtherVersionsUnfinished,
                new KeyValuePair<string, object?>("dbos.executor.id", runtime.ExecutorId), new KeyValuePair<string, object?>("dbos.application.version", runtime.ApplicationVersion));
        }
    }

    private static IEnumerable<Measurement<long>> ObserveRunning()
    {
        foreach (var runtime in DbosRuntime.LaunchedRuntimes())
        {
            foreach (var (queue, running) in runtime.QueuesRunning())
            {
                yield return new Measurement<long>(running, new KeyValuePair<string, object?>("dbos.queue.name", queue), new KeyValuePair<string, object?>("dbos.executor.id", runtime.ExecutorId));
            }
        }
    }
}
