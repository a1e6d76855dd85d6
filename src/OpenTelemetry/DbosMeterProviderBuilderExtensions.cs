using System;
using Dbos;

namespace OpenTelemetry.Metrics;

/// <summary>Adds DBOS's metrics to an OpenTelemetry meter provider.</summary>
public static class DbosMeterProviderBuilderExtensions
{
    /// <summary>
    /// Subscribes the meter provider to the <c>Dbos</c> meter: workflows started and completed by name and status, workflow and
    /// step durations, workflows recovered or taken over, queue dispatch latency, depth and running counts (docs/metrics.md).
    /// <code>builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddDbosInstrumentation().AddPrometheusExporter());</code>
    /// </summary>
    public static MeterProviderBuilder AddDbosInstrumentation(this MeterProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddMeter(DbosInstrumentation.MeterName);
    }
}
