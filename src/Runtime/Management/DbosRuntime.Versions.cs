using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Dbos.Internal;
using Dbos.SystemDatabase;
using Microsoft.Extensions.Logging;

namespace Dbos;

/// <summary>Application versions: which are registered, which is the latest, and the workflows other versions left unfinished,
/// which this process neither recovers nor dequeues (docs/versioning.md).</summary>
public sealed partial class DbosRuntime
{
    /// <summary>How often a running runtime re-reads the other versions' backlog (for the metric) and whether it is still the latest version.</summary>
    internal static TimeSpan VersionWatchInterval { get; set; } = TimeSpan.FromSeconds(30);

    private long _otherVersionsUnfinished;

    /// <summary>PENDING and ENQUEUED workflows of other application versions, as last counted (the <c>dbos.workflows.other_versions</c> gauge).</summary>
    internal long OtherVersionsUnfinished => Interlocked.Read(ref _otherVersionsUnfinished);

    /// <summary>The registered application versions of this application, latest first.</summary>
    public Task<IReadOnlyList<ApplicationVersionInfo>> ListApplicationVersionsAsync(CancellationToken cancellationToken = default)
        => DbRetry.RunAsync(this, "list application versions",
            token => Database.ListApplicationVersionsAsync(Options.ApplicationName, cancellationToken.CanBeCanceled ? cancellationToken : token));

    /// <summary>
    /// Makes a registered version the latest (DBOS's <c>setLatestApplicationVersion</c>): the processes of the latest version
    /// dequeue the queued workflows that name no version, so this is how a rollback to an older version takes that work back.
    /// </summary>
    /// <exception cref="ArgumentException">No such version of this application is registered; nothing was changed.</exception>
    public async Task SetLatestApplicationVersionAsync(string versionName, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(versionName);
        var found = await DbRetry.RunAsync(this, "set the latest application version",
            token => Database.SetLatestApplicationVersionAsync(versionName, Options.ApplicationName, NowMs(), cancellationToken.CanBeCanceled ? cancellationToken : token)).ConfigureAwait(false);
        if (!found)
        {
            var known = await ListApplicationVersionsAsync(cancellationToken).ConfigureAwait(false);
            throw new ArgumentException(
                $"No application version '{versionName}' is registered{(Options.ApplicationName is null ? string.Empty : $" for application '{Options.ApplicationName}'")}; " +
                $"a version is registered when a process of it starts. Registered: {(known.Count == 0 ? "none" : string.Join(", ", known.Select(v => v.VersionName)))}. Nothing was changed.",
                nameof(versionName));
        }

        if (_dispatcher is { } dispatcher)
        {
            dispatcher.IsLatestVersion = string.Equals(versionName, ApplicationVersion, StringComparison.Ordinal);
        }
    }

    /// <summary>At start: says which other versions left workflows that this process will not run, so a deploy that changed
    /// the computed version does not strand them silently.</summary>
    private async Task ReportOtherVersionsAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<VersionBacklog> backlog;
        try
        {
            backlog = await Database.CountOtherVersionsAsync(ApplicationVersion, Options.ApplicationName, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            Logger.LogDebug(e, "Counting the workflows of other application versions failed.");
            return;
        }

        Interlocked.Exchange(ref _otherVersionsUnfinished, backlog.Sum(b => b.Total));
        foreach (var other in backlog)
        {
            Logger.LogWarning(
                "{Count} workflows of application version {OtherVersion} are pending ({Pending} PENDING, {Enqueued} ENQUEUED); this process runs version {Version} " +
                "and will not recover or dequeue them. Keep a process of version {OtherVersion} running until they finish, pin DbosOptions.ApplicationVersion " +
                "(with DBOS.PatchAsync for changed workflows), or fork them onto this version; see docs/versioning.md.",
                other.Total, other.Version, other.Pending, other.Enqueued, ApplicationVersion, other.Version);
        }
    }

    private void StartVersionWatch() => _ = Task.Run(() => VersionWatchLoopAsync(_stopping.Token), CancellationToken.None);

    private Task VersionWatchLoopAsync(CancellationToken stopping) => RunEveryAsync(() => VersionWatchInterval, RefreshVersionsAsync, runFirst: false,
        (e, next) => Logger.LogDebug(e, "Reading the application versions failed; trying again in {Interval}.", next), stopping);

    /// <summary>Re-reads the other versions' backlog and whether this version is still the latest (another one may have been
    /// deployed, or made the latest with <see cref="SetLatestApplicationVersionAsync"/>).</summary>
    internal async Task RefreshVersionsAsync(CancellationToken cancellationToken)
    {
        var backlog = await Database.CountOtherVersionsAsync(ApplicationVersion, Options.ApplicationName, cancellationToken).ConfigureAwait(false);
        Interlocked.Exchange(ref _otherVersionsUnfinished, backlog.Sum(b => b.Total));
        var latest = await Database.RegisterApplicationVersionAsync(ApplicationVersion, Options.ApplicationName, cancellationToken).ConfigureAwait(false);
        if (_dispatcher is { } dispatcher)
        {
            dispatcher.IsLatestVersion = latest;
        }
    }

    /// <summary>For the health check: the other versions' backlog, counted now.</summary>
    internal Task<IReadOnlyList<VersionBacklog>> CountOtherVersionsAsync(CancellationToken cancellationToken)
        => Database.CountOtherVersionsAsync(ApplicationVersion, Options.ApplicationName, cancellationToken);

    /// <summary>A result waiter on a workflow of another version that does not run here: says once why the wait may not end.</summary>
    private void WarnIfOtherVersion(WorkflowStatusRow row, ref bool warned)
    {
        if (warned || row.Status is not (WorkflowStatuses.Pending or WorkflowStatuses.Enqueued) || row.ApplicationVersion is not { Length: > 0 } version
            || string.Equals(version, ApplicationVersion, StringComparison.Ordinal) || _active.ContainsKey(row.WorkflowId))
        {
            return;
        }

        warned = true;
        Logger.LogWarning(
            "Waiting for workflow {WorkflowId}, which is {Status} under application version {OtherVersion}; this process runs version {Version} and will not run it, " +
            "so the wait lasts until a process of version {OtherVersion} does, or the workflow is forked onto this version (docs/versioning.md).",
            row.WorkflowId, row.Status, version, ApplicationVersion, version);
    }
}
