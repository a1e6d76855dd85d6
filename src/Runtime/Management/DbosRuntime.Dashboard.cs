using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Dbos.SystemDatabase;

namespace Dbos;

/// <summary>Operators' views the web dashboard of Dbos.AspNetCore shows beside the management calls, scoped to this
/// application. Not retried: a page asks again at its next refresh.</summary>
public sealed partial class DbosRuntime
{
    /// <summary>Per queue: the workflows ENQUEUED, DELAYED and PENDING on it.</summary>
    internal Task<IReadOnlyList<QueueActivity>> CountQueueActivityAsync(CancellationToken cancellationToken)
        => Database.CountQueueActivityAsync(Options.ApplicationName, cancellationToken);

    /// <summary>Per executor and application version: the PENDING workflows.</summary>
    internal Task<IReadOnlyList<ExecutorActivity>> CountExecutorActivityAsync(CancellationToken cancellationToken)
        => Database.CountExecutorActivityAsync(Options.ApplicationName, cancellationToken);

    /// <summary>The latest value of each event of a workflow.</summary>
    internal Task<IReadOnlyList<StoredEvent>> ListWorkflowEventsAsync(string workflowId, CancellationToken cancellationToken)
        => Database.ListEventsAsync(workflowId, cancellationToken);

    /// <summary>Up to <paramref name="limit"/> messages sent to a workflow, oldest first.</summary>
    internal Task<IReadOnlyList<StoredNotification>> ListWorkflowMessagesAsync(string workflowId, int limit, CancellationToken cancellationToken)
        => Database.ListMessagesAsync(workflowId, limit, cancellationToken);
}
