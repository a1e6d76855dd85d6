using System.Collections.Generic;
using System.Diagnostics.Metrics;

namespace Dbos.Tracing;

/// <summary>The runtime's metrics: one <see cref="Meter"/> named <c>Dbos</c> (add it to a meter provider, e.g.
/// <c>metrics.AddMeter("Dbos")</c>). For now one instrument: the workflows of other application versions that no process of
/// this version will run.</summary>
internal static class DbosMetrics
{
    public const string MeterName = "Dbos";

    public const string OtherVersionsInstrument = "dbos.workflows.other_versions";

    private static readonly Meter Meter = new(MeterName);

    // Created once per process; reports one measurement per running runtime, as last counted (every VersionWatchInterval).
    private static readonly ObservableGauge<long> OtherVersions = Meter.CreateObservableGauge(
        OtherVersionsInstrument,
        Observe,
        unit: "{workflow}",
        description: "PENDING and ENQUEUED workflows of other application versions, which this process does not recover or dequeue (docs/versioning.md).");

    /// <summary>Makes sure the instruments exist (the static fields are created on first use).</summary>
    public static void EnsureCreated() => _ = OtherVersions;

    private static IEnumerable<Measurement<long>> Observe()
    {
        foreach (var runtime in DbosRuntime.Running)
        {
            yield return new Measurement<long>(
                runtime.OtherVersionsUnfinished,
                new KeyValuePair<string, object?>("executor_id", runtime.ExecutorId),
                new KeyValuePair<string, object?>("application_version", runtime.ApplicationVersion));
        }
    }
}
