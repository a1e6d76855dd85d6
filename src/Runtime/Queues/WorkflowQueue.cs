using System;

namespace Dbos;

/// <summary>
/// A durable queue of workflows, shared by every process on the system database: any process may enqueue, and every
/// process that registers the queue (<see cref="DbosOptions.AddQueue"/>) and listens to it dequeues and runs its workflows
/// within the limits set here. The limits are DBOS's: global and per-process concurrency, a rate limit, and per-partition
/// concurrency. Declare queues once, e.g. as static fields: <c>static readonly WorkflowQueue Payments = new("payments") { WorkerConcurrency = 10 };</c>
/// </summary>
public sealed class WorkflowQueue
{
    /// <summary>The queue DBOS uses for resumed, forked and client-enqueued workflows; every process serves it.</summary>
    public const string InternalQueueName = "_dbos_internal_queue";

    /// <param name="name">The queue's name, as other processes and DBOS clients address it.</param>
    public WorkflowQueue(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
    }

    public string Name { get; }

    /// <summary>At most this many of the queue's workflows run at once across all processes (null: no limit).</summary>
    public int? Concurrency { get; init; }

    /// <summary>At most this many of the queue's workflows run at once in each process (null: no limit).</summary>
    public int? WorkerConcurrency { get; init; }

    /// <summary>At most <see cref="QueueRateLimit.Limit"/> workflows start per <see cref="QueueRateLimit.Period"/>, across all processes.</summary>
    public QueueRateLimit? RateLimit { get; init; }

    /// <summary>Makes the queue partitioned (<see cref="WorkflowOptions.PartitionKey"/>): at most this many workflows of one partition
    /// key run at once across all processes, whatever the other partitions do.</summary>
    public int? PartitionConcurrency { get; init; }

    /// <summary>How often a process looks for work that no notification announced (e.g. rows enqueued with SQL); jittered ±10%.</summary>
    public TimeSpan PollingInterval { get; init; } = TimeSpan.FromSeconds(1);

    internal bool IsPartitioned => PartitionConcurrency is not null;

    internal void Validate()
    {
        static void Positive(int? value, string name)
        {
            if (value is <= 0)
            {
                throw new ArgumentException($"WorkflowQueue.{name} must be at least 1 (or null for no limit).", name);
            }
        }

        Positive(Concurrency, nameof(Concurrency));
        Positive(WorkerConcurrency, nameof(WorkerConcurrency));
        Positive(PartitionConcurrency, nameof(PartitionConcurrency));
        if (WorkerConcurrency > Concurrency)
        {
            throw new ArgumentException($"Queue '{Name}': WorkerConcurrency ({WorkerConcurrency}) is larger than Concurrency ({Concurrency}); a process can never run more than the global limit.", nameof(WorkerConcurrency));
        }

        if (PollingInterval <= TimeSpan.Zero)
        {
            throw new ArgumentException($"Queue '{Name}': PollingInterval must be positive.", nameof(PollingInterval));
        }
    }
}

/// <summary>A queue's rate limit: at most <see cref="Limit"/> workflows start in any <see cref="Period"/>.</summary>
public sealed class QueueRateLimit
{
    public QueueRateLimit(int limit, TimeSpan period)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        if (period <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(period), period, "The rate limit's period must be positive.");
        }

        Limit = limit;
        Period = period;
    }

    public int Limit { get; }

    public TimeSpan Period { get; }
}
