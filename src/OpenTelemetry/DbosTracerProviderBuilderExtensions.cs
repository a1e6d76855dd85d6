using System;
using Dbos;

namespace OpenTelemetry.Trace;

/// <summary>Adds DBOS's spans to an OpenTelemetry tracer.</summary>
public static class DbosTracerProviderBuilderExtensions
{
    /// <summary>
    /// Subscribes the tracer to the <c>Dbos</c> activity source: a span per workflow execution (a child of the span that
    /// started it; a recovered execution continues the trace it was started in), and per step and transaction, with DBOS's
    /// attributes (<c>operationUUID</c>, <c>operationType</c>, <c>executorID</c>, <c>dbos.function_id</c>,
    /// <c>dbos.outcome</c>, ...; see <see cref="DbosInstrumentation"/>).
    /// <code>builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing.AddDbosInstrumentation().AddConsoleExporter());</code>
    /// </summary>
    public static TracerProviderBuilder AddDbosInstrumentation(this TracerProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddSource(DbosInstrumentation.ActivitySourceName);
    }
}
