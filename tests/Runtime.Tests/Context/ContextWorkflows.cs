using System;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace Dbos.Tests.Context;

/// <summary>What code saw of its DBOS context at one place.</summary>
public sealed record ContextSnapshot(
    string Where,
    string? WorkflowId,
    string? User,
    string[]? Roles,
    string? AssumedRole,
    string? Method,
    string? Url,
    string? Header,
    bool Truncated,
    string? SpanId,
    string? TraceId,
    string? ParentSpanId,
    string? ExecutorId)
{
    public static ContextSnapshot Capture(string where)
    {
        string? workflowId;
        try
        {
            workflowId = DBOS.WorkflowId;
        }
        catch (InvalidOperationException)
        {
            workflowId = null;
        }

        DBOS.TryGetRequest(out var request);
        var span = DBOS.Span;
        return new ContextSnapshot(
            where,
            workflowId,
            DBOS.AuthenticatedUser,
            DBOS.AuthenticatedRoles?.ToArray(),
            DBOS.AssumedRole,
            request?.Method,
            request?.Url,
            request?.GetHeader("X-Test"),
            request?.Truncated ?? false,
            span?.SpanId.ToHexString(),
            span?.TraceId.ToHexString(),
            span?.ParentSpanId.ToHexString(),
            DBOS.Config.ExecutorId);
    }
}

public static partial class ContextWorkflows
{
    /// <summary>The context in the workflow, in a step, in a child workflow and in a step of the child.</summary>
    [Workflow]
    public static async Task<ContextSnapshot[]> Observe()
    {
        DBOS.Logger.LogInformation("in the workflow");
        var inWorkflow = ContextSnapshot.Capture("workflow");
        var inStep = await ObserveStep("step");
        var child = await ObserveChild();
        return [inWorkflow, inStep, .. child];
    }

    [Workflow]
    public static async Task<ContextSnapshot[]> ObserveChild()
        => [ContextSnapshot.Capture("child"), await ObserveStep("child step")];

    [Step]
    public static Task<ContextSnapshot> ObserveStep(string where)
    {
        DBOS.Logger.LogInformation("in the step {Where}", where);
        return Task.FromResult(ContextSnapshot.Capture(where));
    }

    [Step]
    public static Task<int> FailingStep() => throw new InvalidOperationException("step failed on purpose");

    [Workflow]
    public static async Task<string> FailsInAStep()
    {
        try
        {
            await FailingStep();
        }
        catch (InvalidOperationException)
        {
            return "caught";
        }

        return "not reached";
    }

    /// <summary>Waits at a gate after one step, then captures its context (for recovery tests).</summary>
    [Workflow]
    public static async Task<ContextSnapshot> GatedObserve(string key)
    {
        await ObserveStep("before " + key);
        await WaitGate(key);
        return await ObserveStep("after " + key);
    }

    [Step]
    public static Task WaitGate(string key) => Probe.Gate(key).Task;

    [Transaction]
    public static Task<string> ObserveInTransaction()
    {
        DBOS.Logger.LogInformation("in the transaction");
        return Task.FromResult(string.Join("|",
            DBOS.WorkflowId,
            DBOS.AssumedRole ?? "-",
            DBOS.AuthenticatedUser ?? "-",
            DBOS.TryGetRequest(out var request) ? request.Method + " " + request.GetHeader("X-Test") : "-",
            DBOS.Config.ExecutorId,
            DBOS.Span is null ? "no span" : "span"));
    }

    [Workflow]
    public static async Task<string> CallsTransaction() => await ObserveInTransaction();
}

/// <summary>Required roles: a class default, method lists replacing it, and an empty list opening a method.</summary>
[RequiredRoles("ops", "admin")]
public static partial class GuardedWorkflows
{
    [Workflow]
    public static async Task<string> Restricted(string key)
    {
        await Hit("restricted:" + key);
        return DBOS.AssumedRole + "|" + await OpenStep() + "|" + await Child();
    }

    [Workflow]
    public static Task<string> Child() => Task.FromResult("child as " + DBOS.AssumedRole);

    [Step]
    [RequiredRoles]
    public static Task<string> OpenStep() => Task.FromResult("open as " + DBOS.AssumedRole);

    [Step]
    [RequiredRoles("auditor")]
    public static Task<string> AuditStep() => Task.FromResult("audited as " + DBOS.AssumedRole);

    [Workflow]
    [RequiredRoles]
    public static async Task<string> CallsAudit()
    {
        try
        {
            return await AuditStep();
        }
        catch (NotAuthorizedException e)
        {
            return "denied " + (int)e.ErrorCode;
        }
    }

    [Transaction]
    [RequiredRoles("clerk")]
    public static Task<string> ClerkOnly() => Task.FromResult("clerk tx as " + DBOS.AssumedRole);

    [Workflow]
    public static async Task<string> Gated(string key)
    {
        await OpenStep();
        await ContextWorkflows.WaitGate(key);
        return "done as " + DBOS.AssumedRole;
    }

    [Step]
    [RequiredRoles]
    public static Task Hit(string key)
    {
        Probe.Hit(key);
        return Task.CompletedTask;
    }
}
