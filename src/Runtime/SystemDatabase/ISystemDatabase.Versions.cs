using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Dbos.SystemDatabase;

/// <summary>Application versions: the <c>application_versions</c> rows DBOS keeps, and the work left behind by other versions.</summary>
internal partial interface ISystemDatabase
{
    /// <summary>The PENDING and ENQUEUED workflows of application versions other than <paramref name="version"/>, counted per
    /// version (largest first), of this application (<paramref name="applicationName"/>, its own and unclaimed rows; all rows when null).
    /// Rows without a version are left out: the latest version dequeues them.</summary>
    Task<IReadOnlyList<VersionBacklog>> CountOtherVersionsAsync(string version, string? applicationName, CancellationToken cancellationToken);

    /// <summary>The registered versions of this application (its own and unclaimed rows; all when null), latest first.</summary>
    Task<IReadOnlyList<ApplicationVersionInfo>> ListApplicationVersionsAsync(string? applicationName, CancellationToken cancellationToken);

    /// <summary>Makes a registered version the latest: its <c>version_timestamp</c> becomes <paramref name="now"/>, or one more than the
    /// latest one when that is later (clocks differ between hosts). Returns false when no such version of this application is registered.</summary>
    Task<bool> SetLatestApplicationVersionAsync(string version, string? applicationName, long now, CancellationToken cancellationToken);
}

/// <summary>The unfinished workflows of one application version.</summary>
internal readonly record struct VersionBacklog(string Version, long Pending, long Enqueued)
{
    public long Total => Pending + Enqueued;
}
