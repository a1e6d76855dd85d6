using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Dbos.Internal;
using Microsoft.Extensions.Logging;

namespace Dbos;

/// <summary>
/// Takeover: while it runs, a runtime looks for PENDING workflows whose owner is a runtime of this SDK that is provably gone
/// (its instance's liveness lock is free: <see cref="SystemDatabase.ISystemDatabase.IsInstanceGoneAsync"/>), of any executor id,
/// and claims them as recovery at start does, so a fleet finishes the work of a dead member without a restart or a Conductor.
/// Only our owner tokens can prove their owner gone: workflows of DBOS TypeScript/Python executors (and SQL enqueues that a
/// foreign executor started) are never taken, since a live executor of theirs holds no such lock.
/// </summary>
public sealed partial class DbosRuntime
{
    private void StartTakeover() => _ = Task.Run(() => TakeoverLoopAsync(_stopping.Token), CancellationToken.None);

    private async Task TakeoverLoopAsync(CancellationToken stopping)
    {
        try
        {
            // After recovery at start, which resumes this executor's own workflows first.
            await _startupRecovery.WaitAsync(stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return;
        }
        catch (Exception)
        {
            // Logged by recovery at start; takeover goes on.
        }

        // Up to a fifth later each time, so processes started together do not look at once.
        await RunEveryAsync(() => Options.TakeoverInterval * (1 + (Random.Shared.NextDouble() / 5)), async token => await TakeOverDeadExecutorsAsync(token).ConfigureAwait(false),
            runFirst: true, (e, next) => Logger.LogWarning(e, "Looking for workflows of processes that are gone failed; trying again in {Interval}.", next), stopping).ConfigureAwait(false);
    }

    /// <summary>One takeover pass: the instances that own PENDING workflows of this version, which of them are gone, and a claim
    /// of their workflows (resumed here, or re-enqueued when queued). Returns the IDs taken over.</summary>
    internal async Task<IReadOnlyList<string>> TakeOverDeadExecutorsAsync(CancellationToken cancellationToken)
    {
        var owners = await DbRetry.RunAsync(this, "find the owners of pending workflows",
            token => Database.GetPendingOwnerInstancesAsync(ApplicationVersion, InstanceId, token)).ConfigureAwait(false);
        if (owners.Count == 0)
        {
            return [];
        }

        var gone = new List<string>();
        foreach (var owner in owners)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (await DbRetry.RunAsync(this, "check executor liveness", token => Database.IsInstanceGoneAsync(owner, token)).ConfigureAwait(false))
            {
                gone.Add(owner);
            }
        }

        if (gone.Count == 0)
        {
            return [];
        }

        var pending = await DbRetry.RunAsync(this, "get pending workflows of processes that are gone",
            token => Database.GetPendingWorkflowsOfInstancesAsync(gone, ApplicationVersion, token)).ConfigureAwait(false);
        return await RecoverAsync(pending, gone.ToDictionary(g => g, _ => true, StringComparer.Ordinal), takeover: true, cancellationToken).ConfigureAwait(false);
    }
}
