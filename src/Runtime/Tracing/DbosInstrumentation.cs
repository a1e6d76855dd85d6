namespace Dbos;

/// <summary>
/// The names under which DBOS reports telemetry. Workflows, steps and transactions are traced as
/// <see cref="System.Diagnostics.Activity"/> spans of the <see cref="ActivitySourceName"/> source (add it to a tracer, e.g.
/// <c>tracing.AddDbosInstrumentation()</c> from Dbos.OpenTelemetry, or <c>AddSource("Dbos")</c>).
/// </summary>
/// <remarks>
/// Span attributes use DBOS's legacy names where DBOS defines one, so DBOS dashboards read them:
/// <c>operationUUID</c> (workflow ID), <c>operationType</c> (<c>workflow</c>, <c>step</c>, <c>transaction</c>),
/// <c>executorID</c>, <c>applicationVersion</c>, <c>applicationID</c> (the application name, when set),
/// <c>authenticatedUser</c>, <c>authenticatedUserRoles</c> (JSON array), <c>authenticatedUserAssumedRole</c>; and
/// <c>dbos.*</c> names for the rest: <c>dbos.workflow.name</c>, <c>dbos.workflow.class</c>, <c>dbos.function_id</c> (steps and
/// transactions), <c>dbos.recovered</c> (a workflow resumed by recovery) and <c>dbos.outcome</c> (<c>success</c>,
/// <c>error</c> or <c>interrupted</c>). The span status is Ok or Error (with the exception recorded as an event).
/// </remarks>
public static class DbosInstrumentation
{
    /// <summary>The <see cref="System.Diagnostics.Metrics.Meter"/> name: <c>Dbos</c>. Its instruments (docs/metrics.md):
    /// <c>dbos.workflow.started</c>, <c>dbos.workflow.completed</c>, <c>dbos.workflow.duration</c>, <c>dbos.step.duration</c>,
    /// <c>dbos.workflow.recovered</c>, <c>dbos.queue.dispatch_latency</c>, <c>dbos.queue.depth</c> and <c>dbos.queue.running</c>.</summary>
    public const string MeterName = "Dbos";

    /// <summary>The <see cref="System.Diagnostics.ActivitySource"/> name: <c>Dbos</c>.</summary>
    public const string ActivitySourceName = "Dbos";

    /// <summary>The key of the W3C trace context stored in <c>workflow_status.attributes</c>, as DBOS stores it.</summary>
    public const string OtelContextAttribute = "dbos.otelContext";
}
