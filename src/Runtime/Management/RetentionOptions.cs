using System;

namespace Dbos;

/// <summary>
/// A background clean-up of finished workflows (<see cref="DbosOptions.Retention"/>): every <see cref="Interval"/> the runtime
/// deletes, in small transactions, the SUCCESS, ERROR, CANCELLED and MAX_RECOVERY_ATTEMPTS_EXCEEDED workflows older than
/// <see cref="MaxAge"/> and/or beyond the newest <see cref="KeepRows"/>, with all their rows. Workflows that are ENQUEUED,
/// PENDING or DELAYED are never touched. Several processes may sweep the same database at once.
/// </summary>
public sealed class RetentionOptions
{
    /// <summary>Delete finished workflows created longer ago than this.</summary>
    public TimeSpan? MaxAge { get; set; }

    /// <summary>Keep at most this many of the newest workflows; older finished ones are deleted.</summary>
    public int? KeepRows { get; set; }

    /// <summary>How often to sweep (default one hour). The first sweep runs at start.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Workflows deleted per transaction (default 1000): small batches keep each transaction's locks short.</summary>
    public int BatchSize { get; set; } = 1000;

    internal void Validate()
    {
        if (MaxAge is null && KeepRows is null)
        {
            throw new ArgumentException("DbosOptions.Retention needs MaxAge, KeepRows or both: which finished workflows should be deleted?");
        }

        if (MaxAge < TimeSpan.Zero || KeepRows < 0 || Interval <= TimeSpan.Zero || BatchSize < 1)
        {
            throw new ArgumentException("DbosOptions.Retention: MaxAge and KeepRows must not be negative, Interval must be positive and BatchSize at least 1.");
        }
    }
}

/// <summary>The retention setting of the runtime.</summary>
public sealed partial class DbosOptions
{
    /// <summary>When set, the runtime deletes old finished workflows in the background (see <see cref="RetentionOptions"/>).
    /// Default null: nothing is deleted unless <c>GarbageCollectAsync</c> is called.</summary>
    public RetentionOptions? Retention { get; set; }
}
