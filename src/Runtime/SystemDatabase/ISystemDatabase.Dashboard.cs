using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Dbos.SystemDatabase;

/// <summary>Read-only views for operators (the web dashboard of Dbos.AspNetCore): what is queued, who runs what, and a
/// workflow's events and messages. Each reads one index range.</summary>
internal partial interface ISystemDatabase
{
    /// <summary>Workflows waiting on (ENQUEUED, DELAYED) or running from (PENDING) each queue, of this application (its own and
    /// unclaimed rows; all when null), per queue name.</summary>
    Task<IReadOnlyList<QueueActivity>> CountQueueActivityAsync(string? applicationName, CancellationToken cancellationToken);

    /// <summary>PENDING workflows per executor and application version, of this application (its own and unclaimed rows; all when null).</summary>
    Task<IReadOnlyList<ExecutorActivity>> CountExecutorActivityAsync(string? applicationName, CancellationToken cancellationToken);

    /// <summary>The latest value of each event the workflow set, by key.</summary>
    Task<IReadOnlyList<StoredEvent>> ListEventsAsync(string workflowId, CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="limit"/> messages sent to the workflow, oldest first, consumed or not.</summary>
    Task<IReadOnlyList<StoredNotification>> ListMessagesAsync(string workflowId, int limit, CancellationToken cancellationToken);
}

internal readonly record struct QueueActivity(string QueueName, long Enqueued, long Delayed, long Pending);

internal readonly record struct ExecutorActivity(string? ExecutorId, string? ApplicationVersion, long Pending);

internal sealed record StoredEvent(string Key, string Value, string? Serialization);

internal sealed record StoredNotification(string MessageUuid, string? Topic, string Message, string? Serialization, long CreatedAt, bool Consumed);
