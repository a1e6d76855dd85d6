using System;
using System.Threading;
using System.Threading.Tasks;
using Dbos.Internal;
using Dbos.SystemDatabase;

namespace Dbos;

public static partial class DBOS
{
    /// <summary>
    /// Whether this execution of the workflow takes the patched (new) branch of a change:
    /// <c>if (await DBOS.PatchAsync("use-new-pricing")) { new code } else { old code }</c>. A workflow that reaches the patch
    /// for the first time records a marker (<c>DBOS.patch-&lt;name&gt;</c>, as DBOS does) and gets true; a workflow that had
    /// already recorded another operation at that position (it started before the patch and ran the old code there) gets
    /// false, so its replay takes the old branch. Replays always take the branch of the first execution. May only be
    /// called in a workflow's body, not in a step. See docs/versioning.md.
    /// </summary>
    /// <param name="patchName">The patch's name: a constant, used once per workflow (analyzers DBOS019, DBOS020).</param>
    /// <param name="cancellationToken">Cancels writing the marker.</param>
    public static Task<bool> PatchAsync(string patchName, CancellationToken cancellationToken = default)
        => Patching.CheckAsync(patchName, deprecated: false, cancellationToken);

    /// <summary>
    /// The second stage of retiring a patch: once no workflow that could take the old branch is left, replace
    /// <c>PatchAsync(name)</c> by <c>DeprecatePatchAsync(name)</c> and delete the old branch. It always returns true and records
    /// nothing; it skips the marker of workflows that recorded it with <see cref="PatchAsync"/>, so they replay as before.
    /// When no workflow that ran with the patch is left either, remove the call. See docs/versioning.md.
    /// </summary>
    /// <param name="patchName">The name the patch had in <see cref="PatchAsync"/>.</param>
    public static Task<bool> DeprecatePatchAsync(string patchName)
        => Patching.CheckAsync(patchName, deprecated: true, CancellationToken.None);
}

/// <summary>DBOS patching: a marker row in <c>operation_outputs</c> named <c>DBOS.patch-&lt;name&gt;</c> at the position where the
/// patch is called, with no output (DBOS TypeScript's and Python's shape, so a patch name interoperates).</summary>
internal static class Patching
{
    public const string MarkerPrefix = "DBOS.patch-";

    public static async Task<bool> CheckAsync(string patchName, bool deprecated, CancellationToken cancellationToken)
    {
        var api = deprecated ? "DBOS.DeprecatePatchAsync" : "DBOS.PatchAsync";
        if (string.IsNullOrWhiteSpace(patchName))
        {
            throw new ArgumentException($"{api} needs a patch name: a constant string that names the change, e.g. \"use-new-pricing\".", nameof(patchName));
        }

        var ambient = DbosAmbient.Current;
        if (ambient?.Workflow is not { } workflow || ambient.InStep)
        {
            throw new InvalidOperationException(
                $"{api} may only be called in a workflow's body (a [Workflow] method or code it calls), not in a step, a transaction or outside workflows: " +
                "it records which branch the workflow took.");
        }

        var marker = MarkerPrefix + patchName;
        var functionId = workflow.PeekNextFunctionId();
        if (workflow.GetRecordedAny(functionId) is { } recorded)
        {
            if (!string.Equals(recorded.FunctionName, marker, StringComparison.Ordinal))
            {
                // The workflow ran past this point before the patch existed: it keeps the old branch, and the position stays the old step's.
                return deprecated;
            }

            Take(workflow, functionId, api);
            return true;
        }

        if (deprecated)
        {
            return true; // no marker to skip: nothing is recorded for a deprecated patch
        }

        workflow.ThrowIfStopped();
        Take(workflow, functionId, api);
        var runtime = workflow.Runtime;
        var now = runtime.Options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        var operation = new OperationRecord(functionId, marker, null, null, null, null, now, now);
        var existing = await DbRetry.RunAsync(runtime, "record patch",
            token => runtime.Database.RecordOperationAsync(workflow.WorkflowId, workflow.OwnerXid, operation, cancellationToken.CanBeCanceled ? cancellationToken : token)).ConfigureAwait(false);
        if (existing is not null && !string.Equals(existing.FunctionName, marker, StringComparison.Ordinal))
        {
            throw new UnexpectedStepException(workflow.WorkflowId, functionId, marker, existing.FunctionName);
        }

        return true;
    }

    private static void Take(WorkflowContext workflow, int functionId, string api)
    {
        if (!workflow.TryTakeFunctionId(functionId))
        {
            // Another durable operation took the position between the check and now: the branch would depend on timing.
            throw new InvalidOperationException(
                $"{api} was called while another durable operation of workflow {workflow.WorkflowId} was starting; await the other operations before checking a patch, so replays take the same branch.");
        }
    }
}
