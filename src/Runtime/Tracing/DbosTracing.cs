using System;
using System.Collections;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;
using Dbos.Internal;
using Microsoft.Extensions.Logging;

namespace Dbos.Tracing;

/// <summary>Spans (one <see cref="ActivitySource"/>, "Dbos") and logger scopes of workflows, steps and transactions.</summary>
internal static class DbosTracing
{
    public static readonly ActivitySource Source = new(DbosInstrumentation.ActivitySourceName, typeof(DbosTracing).Assembly.GetName().Version?.ToString());

    /// <summary>Starts a workflow's span: a child of the caller's current span, or of <paramref name="storedParent"/> for a
    /// recovered workflow. Null when nobody listens.</summary>
    public static Activity? StartWorkflow(DbosRuntime runtime, WorkflowDescriptor workflow, string workflowId, DbosAuthentication? authentication, ActivityContext? storedParent, bool recovered = false)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        if (recovered && storedParent is null)
        {
            // Recovery runs on behalf of no caller: without a stored trace, the span is a root, not a child of whatever
            // span started the runtime.
            Activity.Current = null;
        }

        var activity = storedParent is { } parent
            ? Source.StartActivity(workflow.Name, ActivityKind.Internal, parent)
            : Source.StartActivity(workflow.Name, ActivityKind.Internal);
        if (activity is { IsAllDataRequested: true })
        {
            SetCommonTags(activity, runtime, workflowId, "workflow", authentication);
            activity.SetTag("dbos.workflow.name", workflow.Name);
            activity.SetTag("dbos.workflow.class", workflow.ClassName);
            if (recovered)
            {
                activity.SetTag("dbos.recovered", true);
            }
        }

        return activity;
    }

    /// <summary>Starts the span and logger scope of a step or transaction that runs (not of one replayed from its record).</summary>
    public static OperationTelemetry StartOperation(WorkflowContext workflow, string kind, string name, int functionId, DbosAuthentication? authentication)
    {
        var runtime = workflow.Runtime;
        Activity? activity = null;
        if (Source.HasListeners())
        {
            activity = Source.StartActivity(name, ActivityKind.Internal);
            if (activity is { IsAllDataRequested: true })
            {
                SetCommonTags(activity, runtime, workflow.WorkflowId, kind, authentication);
                activity.SetTag("dbos.workflow.name", workflow.Workflow.Name);
                activity.SetTag("dbos.function_id", functionId);
            }
        }

        // No scope (and no allocation) when nothing logs, e.g. without a logger factory.
        var scope = runtime.Logger.IsEnabled(LogLevel.Critical) ? runtime.Logger.BeginScope(new DbosLogScope(null, null, name, functionId)) : null;
        return new OperationTelemetry(activity, scope);
    }

    /// <summary>The logger scope of a workflow execution.</summary>
    public static IDisposable? BeginWorkflowScope(DbosRuntime runtime, WorkflowDescriptor workflow, string workflowId)
        => runtime.Logger.IsEnabled(LogLevel.Critical) ? runtime.Logger.BeginScope(new DbosLogScope(workflowId, workflow.Name, null, null)) : null;

    /// <summary>Ends a span with its outcome: <paramref name="error"/> null is success; an error while the runtime stops is
    /// an interruption (the workflow resumes at the next start), not a failure of the code.</summary>
    public static void Finish(Activity? activity, Exception? error, bool interrupted)
    {
        if (activity is null)
        {
            return;
        }

        if (activity.IsAllDataRequested)
        {
            if (interrupted)
            {
                activity.SetTag("dbos.outcome", "interrupted");
                activity.SetStatus(ActivityStatusCode.Unset, "interrupted by shutdown; resumes at the next start");
            }
            else if (error is null)
            {
                activity.SetTag("dbos.outcome", "success");
                activity.SetStatus(ActivityStatusCode.Ok);
            }
            else
            {
                activity.SetTag("dbos.outcome", "error");
                activity.SetStatus(ActivityStatusCode.Error, error.Message);
                activity.AddException(error);
            }
        }

        activity.Stop();
    }

    /// <summary>Ends a span that stands for no execution (the workflow existed already): not exported.</summary>
    public static void Discard(Activity? activity)
    {
        if (activity is null)
        {
            return;
        }

        activity.ActivityTraceFlags &= ~ActivityTraceFlags.Recorded;
        activity.IsAllDataRequested = false;
        activity.Stop();
    }

    private static void SetCommonTags(Activity activity, DbosRuntime runtime, string workflowId, string kind, DbosAuthentication? authentication)
    {
        activity.SetTag("operationUUID", workflowId);
        activity.SetTag("operationType", kind);
        activity.SetTag("executorID", runtime.ExecutorId);
        activity.SetTag("applicationVersion", runtime.ApplicationVersion);
        if (runtime.Options.ApplicationName is { } application)
        {
            activity.SetTag("applicationID", application);
        }

        if (authentication is not null)
        {
            activity.SetTag("authenticatedUser", authentication.User);
            activity.SetTag("authenticatedUserRoles", authentication.RolesJson);
            activity.SetTag("authenticatedUserAssumedRole", authentication.AssumedRole);
        }
    }

    /// <summary>
    /// The <c>workflow_status.attributes</c> document that lets a recovered execution continue the trace: a W3C carrier
    /// <c>{"dbos.otelContext": {"traceparent": ..., "tracestate": ...}}</c> of the span the workflow was started in (or, for a
    /// workflow started outside any span, of its own first span). Null without a span.
    /// </summary>
    public static string? AttributesFor(Activity? workflowActivity)
    {
        if (workflowActivity is null || workflowActivity.IdFormat != ActivityIdFormat.W3C)
        {
            return null;
        }

        var spanId = workflowActivity.ParentSpanId != default ? workflowActivity.ParentSpanId : workflowActivity.SpanId;
        var flags = (workflowActivity.ActivityTraceFlags & ActivityTraceFlags.Recorded) != 0 ? "01" : "00";
        var traceparent = "00-" + workflowActivity.TraceId.ToHexString() + "-" + spanId.ToHexString() + "-" + flags;
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartObject(DbosInstrumentation.OtelContextAttribute);
            writer.WriteString("traceparent", traceparent);
            if (workflowActivity.TraceStateString is { Length: > 0 } state)
            {
                writer.WriteString("tracestate", state);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>The stored trace context, or null when there is none (or it is not valid W3C).</summary>
    public static ActivityContext? ParentFrom(string? attributes)
    {
        if (string.IsNullOrWhiteSpace(attributes))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(attributes);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty(DbosInstrumentation.OtelContextAttribute, out var carrier)
                && carrier.ValueKind == JsonValueKind.Object
                && carrier.TryGetProperty("traceparent", out var traceparent)
                && traceparent.ValueKind == JsonValueKind.String)
            {
                var state = carrier.TryGetProperty("tracestate", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
                if (ActivityContext.TryParse(traceparent.GetString(), state, isRemote: true, out var context))
                {
                    return context;
                }
            }
        }
        catch (JsonException)
        {
            // Attributes written by someone else; no trace to continue.
        }

        return null;
    }
}

/// <summary>The span and logger scope of one running step or transaction; <see cref="Complete"/> ends both.</summary>
internal readonly struct OperationTelemetry(Activity? activity, IDisposable? scope)
{
    public Activity? Activity => activity;

    public void Complete(Exception? error, bool interrupted)
    {
        DbosTracing.Finish(activity, error, interrupted);
        scope?.Dispose();
    }
}

/// <summary>
/// The state of DBOS logger scopes: <c>workflow_id</c> and <c>workflow_name</c> around a workflow's body, <c>step_name</c>
/// and <c>function_id</c> around a step's or transaction's (the names of the <c>workflow_status</c> and
/// <c>operation_outputs</c> columns). Structured providers see the pairs; text providers see "workflow_id:... ...".
/// </summary>
internal sealed class DbosLogScope : IReadOnlyList<KeyValuePair<string, object?>>
{
    public const string WorkflowIdKey = "workflow_id";
    public const string WorkflowNameKey = "workflow_name";
    public const string StepNameKey = "step_name";
    public const string FunctionIdKey = "function_id";

    private readonly KeyValuePair<string, object?>[] _pairs;

    public DbosLogScope(string? workflowId, string? workflowName, string? stepName, int? functionId)
    {
        _pairs = workflowId is not null
            ? [new(WorkflowIdKey, workflowId), new(WorkflowNameKey, workflowName)]
            : [new(StepNameKey, stepName), new(FunctionIdKey, functionId)];
    }

    public int Count => _pairs.Length;

    public KeyValuePair<string, object?> this[int index] => _pairs[index];

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, object?>>)_pairs).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString()
        => _pairs[0].Key + ":" + Convert.ToString(_pairs[0].Value, CultureInfo.InvariantCulture) + " " + _pairs[1].Key + ":" + Convert.ToString(_pairs[1].Value, CultureInfo.InvariantCulture);
}
