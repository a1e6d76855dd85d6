using System;
using System.Diagnostics;
using Dbos.Authorization;
using Dbos.Serialization;
using Dbos.SystemDatabase;
using Dbos.Tracing;

namespace Dbos.Internal;

/// <summary>
/// What a workflow execution carries besides its inputs: the caller's authentication (with the role assumed for this
/// workflow), the request it was started from (as stored: bounded), and its span. Built from the caller's context at start,
/// or from the stored row at recovery, so a recovered workflow sees the same values. Disposing it before
/// <see cref="MarkExecuting"/> drops the span (nothing ran: the workflow existed, or the start failed).
/// </summary>
internal sealed class WorkflowEnvironment : IDisposable
{
    private bool _executing;

    private WorkflowEnvironment(DbosAuthentication? authentication, DbosRequest? request, string? requestJson, Activity? activity, NotAuthorizedException? denied)
    {
        Authentication = authentication;
        Request = request;
        RequestJson = requestJson;
        Activity = activity;
        Denied = denied;
    }

    public DbosAuthentication? Authentication { get; }

    public DbosRequest? Request { get; }

    /// <summary>The request as stored in <c>workflow_status.request</c>.</summary>
    public string? RequestJson { get; }

    public Activity? Activity { get; }

    /// <summary>Set at recovery when the stored roles no longer satisfy the workflow's required roles: the workflow is
    /// finished as ERROR with this, as DBOS does.</summary>
    public NotAuthorizedException? Denied { get; }

    /// <summary>How the outcome is written when the row asks for other than the runtime's serializer: a row the DBOS TypeScript
    /// client enqueued with its default serializer says <c>js_superjson</c>, and that client decodes the result by that tag.</summary>
    public IDbosSerializer? OutcomeSerializer { get; private init; }

    /// <summary>The <c>workflow_status.attributes</c> to store: the trace context to continue after recovery.</summary>
    public string? Attributes => DbosTracing.AttributesFor(Activity);

    /// <summary>Checks the workflow's required roles against the caller's authentication, before anything is recorded.</summary>
    /// <exception cref="NotAuthorizedException">The caller has none of the roles; nothing starts.</exception>
    public static DbosAuthentication? Authorize(WorkflowDescriptor workflow, DbosAmbient? ambient)
        => Authorizer.Authorize(workflow.RequiredRoles, ambient?.Authentication, "workflow", workflow.QualifiedName);

    /// <summary>For a new start: the authorized caller's values and a span that is a child of the caller's.</summary>
    public static WorkflowEnvironment ForStart(DbosRuntime runtime, WorkflowDescriptor workflow, string workflowId, DbosAuthentication? authentication, DbosRequest? request)
    {
        string? requestJson = null;
        if (request is not null)
        {
            // The workflow sees what is stored, so it sees the same request before and after a recovery.
            requestJson = ContextJson.WriteRequest(request, out var truncated);
            if (truncated)
            {
                request = ContextJson.ReadRequest(requestJson) ?? request;
            }
        }

        var activity = DbosTracing.StartWorkflow(runtime, workflow, workflowId, authentication, storedParent: null);
        return new WorkflowEnvironment(authentication, request, requestJson, activity, null);
    }

    /// <summary>For a recovered execution: the stored user, roles and request, the required roles checked again, and a span
    /// that continues the stored trace.</summary>
    public static WorkflowEnvironment ForRecovery(DbosRuntime runtime, WorkflowDescriptor workflow, WorkflowStatusRow row)
    {
        var stored = DbosAuthentication.FromStored(row.AuthenticatedUser, row.AuthenticatedRoles, row.AssumedRole);
        var authentication = stored;
        NotAuthorizedException? denied = null;
        try
        {
            authentication = Authorizer.Authorize(workflow.RequiredRoles, stored, "workflow", workflow.QualifiedName);
        }
        catch (NotAuthorizedException e)
        {
            denied = e;
        }

        var request = ContextJson.ReadRequest(row.Request);
        var activity = DbosTracing.StartWorkflow(runtime, workflow, row.WorkflowId, authentication, DbosTracing.ParentFrom(row.Attributes), recovered: true);
        return new WorkflowEnvironment(authentication, request, row.Request, activity, denied)
        {
            OutcomeSerializer = row.Serialization == SuperJson.FormatName ? runtime.SerializerFor(row.Serialization) : null,
        };
    }

    /// <summary>The ambient state of the workflow's body.</summary>
    public DbosAmbient AmbientFor(WorkflowContext context)
        => new() { Workflow = context, Authentication = Authentication, Request = Request };

    /// <summary>The span now belongs to the execution, which ends it with <see cref="Finish"/>.</summary>
    public void MarkExecuting() => _executing = true;

    public void Finish(Exception? error, bool stopping) => DbosTracing.Finish(Activity, error, interrupted: error is not null && stopping);

    public void Dispose()
    {
        if (!_executing)
        {
            DbosTracing.Discard(Activity);
        }
    }
}
