using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Dbos.Internal;
using Dbos.SystemDatabase;
using Microsoft.Extensions.Logging;

namespace Dbos.Queues;

/// <summary>
/// Dequeues and runs the workflows of the queues this process serves: one loop per queue. A loop dequeues as soon as it
/// is woken (a local enqueue, a NOTIFY from another process's enqueue, a local workflow of the queue finishing) and
/// otherwise polls at the queue's interval with ±10% jitter, backing off while other processes hold the head rows.
/// </summary>
internal sealed class QueueDispatcher
{
    private const int MaxBatch = 1000;

    private readonly DbosRuntime _runtime;
    private readonly Dictionary<string, QueueLoop> _loops = new(StringComparer.Ordinal);

    public QueueDispatcher(DbosRuntime runtime)
    {
        _runtime = runtime;
        var options = runtime.Options;
        var listen = options.ListenQueues is { } names ? new HashSet<string>(names, StringComparer.Ordinal) : null;
        if (listen is not null && listen.FirstOrDefault(n => n != WorkflowQueue.InternalQueueName && options.Queues.All(q => q.Name != n)) is { } unknown)
        {
            throw new ArgumentException($"DbosOptions.ListenQueues names queue '{unknown}', which is not registered: add it with DbosOptions.AddQueue(new WorkflowQueue(\"{unknown}\")).");
        }

        _loops[WorkflowQueue.InternalQueueName] = new QueueLoop(new WorkflowQueue(WorkflowQueue.InternalQueueName));
        foreach (var queue in options.Queues.Where(q => listen is null || listen.Contains(q.Name)))
        {
            _loops[queue.Name] = new QueueLoop(queue);
        }
    }

    /// <summary>Whether the application version of this process is the latest registered one (it then also runs rows with no version).</summary>
    public bool IsLatestVersion { get; set; } = true;

    public void Start()
    {
        foreach (var loop in _loops.Values)
        {
            loop.Task = Task.Run(() => RunAsync(loop), CancellationToken.None);
        }
    }

    /// <summary>How many workflows of each served queue run here now.</summary>
    public IEnumerable<(string Queue, long Running)> Running()
    {
        foreach (var loop in _loops.Values)
        {
            yield return (loop.Queue.Name, Volatile.Read(ref loop.Running));
        }
    }

    /// <summary>Dequeues from the queue now (it has new work, or room for more).</summary>
    public void Wake(string queueName)
    {
        if (_loops.TryGetValue(queueName, out var loop))
        {
            loop.Wake();
        }
    }

    /// <summary>Every queue dequeues at once (the listener reconnected: notifications may have been missed).</summary>
    public void WakeAll()
    {
        foreach (var loop in _loops.Values)
        {
            loop.Wake();
        }
    }

    private async Task RunAsync(QueueLoop loop)
    {
        var stopping = _runtime.StoppingToken;
        var random = new Random();
        var polled = true;
        while (!stopping.IsCancellationRequested)
        {
            var wait = loop.Queue.PollingInterval * (0.9 + (0.2 * random.NextDouble()));
            var retry = false;
            var signal = loop.Signal;
            try
            {
                if (polled)
                {
                    // Delays are checked at the poll only (a wake, an enqueue or a completion, is about ENQUEUED work), and when
                    // the earliest one left is due, if that comes before the next poll.
                    loop.NextDelayed = await _runtime.Database.ReleaseDelayedAsync(loop.Queue.Name, stopping).ConfigureAwait(false) is { } due
                        ? DateTimeOffset.FromUnixTimeMilliseconds(due)
                        : null;
                    polled = false;
                }

                if (!polled && loop.Busy)
                {
                    await GatherAsync(loop, stopping).ConfigureAwait(false);
                }

                var budget = loop.Budget;
                var (claimed, contended) = await DequeueAsync(loop, stopping).ConfigureAwait(false);
                loop.Busy = claimed > 0 && claimed >= Math.Min(budget, MaxBatch);
                if (claimed > 0 && loop.Budget > 0)
                {
                    loop.Contentions = 0;
                    continue; // there may be more: look again at once
                }

                if (contended && claimed == 0 && loop.Budget > 0)
                {
                    // Another process took the head rows as this one reached for them: there is work, so look again after a short
                    // random pause (2 to 4 ms, doubling with each loss up to 40 to 80 ms) rather than at the next poll.
                    var pause = TimeSpan.FromMilliseconds((2 << Math.Min(loop.Contentions++, 4)) * (1 + random.NextDouble()));
                    wait = pause < wait ? pause : wait;
                    retry = true;
                }
                else
                {
                    loop.Contentions = 0;
                }
            }
            catch (Exception e) when (stopping.IsCancellationRequested)
            {
                _runtime.Logger.LogDebug(e, "Queue {Queue}: dispatcher stopped.", loop.Queue.Name);
                break;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _runtime.Logger.LogWarning(e, "Queue {Queue}: dequeue failed; trying again in {Wait} ms.", loop.Queue.Name, (int)wait.TotalMilliseconds);
            }

            try
            {
                var time = _runtime.Options.TimeProvider;
                var untilDelayed = loop.NextDelayed - time.GetUtcNow();
                var delayed = untilDelayed <= wait;
                if (delayed)
                {
                    wait = untilDelayed > ShortestWait ? untilDelayed.Value : ShortestWait;
                }

                // When full, only a local completion makes room (other processes' completions are seen at the next poll).
                using var timer = loop.NextDelayed is { } release ? _runtime.Options.Hooks?.TimerSet(release) : null;
                var fired = await Task.WhenAny(signal, Task.Delay(wait, time, stopping)).ConfigureAwait(false) != signal;
                polled = fired && (!retry || delayed);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>On a busy queue (the last dequeue filled every free slot, so more work waits) each completion would otherwise cost a
    /// dequeue transaction of its own: wait until an eighth of the worker concurrency is free, or <see cref="GatherTime"/> has
    /// passed, and claim the freed slots together. An idle queue never waits: a new enqueue finds its slots free.</summary>
    private async Task GatherAsync(QueueLoop loop, CancellationToken stopping)
    {
        if (loop.Queue.WorkerConcurrency is not int concurrency || concurrency < 16)
        {
            return;
        }

        var enough = concurrency / 8;
        var time = _runtime.Options.TimeProvider;
        var until = time.GetTimestamp() + (long)(GatherTime.TotalSeconds * time.TimestampFrequency);
        while (loop.Budget < enough && !stopping.IsCancellationRequested)
        {
            var left = time.GetElapsedTime(time.GetTimestamp(), until);
            if (left <= TimeSpan.Zero)
            {
                return;
            }

            var signal = loop.Signal;
            if (loop.Budget >= enough)
            {
                return;
            }

            await Task.WhenAny(signal, Task.Delay(left, time, stopping)).ConfigureAwait(false);
        }
    }

    /// <summary>The shortest wait for a delayed workflow whose release is due.</summary>
    private static readonly TimeSpan ShortestWait = TimeSpan.FromMilliseconds(1);

    /// <summary>The longest a busy queue waits to claim freed slots together.</summary>
    private static readonly TimeSpan GatherTime = TimeSpan.FromMilliseconds(2);

    /// <summary>One dequeue (per partition key on a partitioned queue); starts what it claimed and returns how many. Nothing is
    /// claimed when the queue is empty, at its limits, or another process holds its head rows; the next wake or poll tries again.</summary>
    private async Task<(int Claimed, bool Contended)> DequeueAsync(QueueLoop loop, CancellationToken stopping)
    {
        var contended = false;
        var queue = loop.Queue;
        IReadOnlyList<string?> partitions = queue.IsPartitioned
            ? [.. (await _runtime.Database.GetEnqueuedPartitionsAsync(queue.Name, stopping).ConfigureAwait(false)).OrderBy(_ => Random.Shared.Next())]
            : [null];
        var total = 0;
        foreach (var partition in partitions)
        {
            var budget = loop.Budget;
            if (budget <= 0)
            {
                break;
            }

            var request = new DequeueRequest(
                queue.Name,
                Math.Min(budget, MaxBatch),
                queue.IsPartitioned ? queue.PartitionConcurrency : queue.Concurrency,
                queue.RateLimit,
                partition,
                _runtime.InstanceId,
                _runtime.ExecutorId,
                _runtime.ApplicationVersion,
                IsLatestVersion,
                _runtime.Options.ApplicationName);
            var (claimed, lost) = await _runtime.Database.DequeueAsync(request, stopping).ConfigureAwait(false);
            contended |= lost;
            foreach (var workflow in claimed)
            {
                await StartAsync(loop, workflow).ConfigureAwait(false);
            }

            total += claimed.Count;
        }

        return (total, contended);
    }

    private async Task StartAsync(QueueLoop loop, ClaimedWorkflow claimed)
    {
        var row = claimed.Row;
        var descriptor = WorkflowRegistry.Global.Find(row.ClassName, row.Name);
        var active = _runtime.TryBeginExecution(row.WorkflowId);
        if (descriptor is not null && active is null && _runtime.ExecutionEnded(row.WorkflowId) is { } previous)
        {
            // Resumed while an execution here still unwinds (it was cancelled inside a long step): start once that one stops,
            // which it does at its next checkpoint, refused now that this claim owns the workflow.
            _ = previous.ContinueWith(_ => StartAsync(loop, claimed), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).Unwrap();
            return;
        }

        if (descriptor is null || active is null)
        {
            // Never leave a claimed row PENDING with nobody running it (DBOS py#546): fail it with the reason.
            if (active is not null)
            {
                _runtime.ReleaseExecution(row.WorkflowId, active);
            }

            var error = descriptor is null
                ? (Exception)new WorkflowFunctionNotFoundException(row.WorkflowId, row.Name ?? string.Empty)
                : new InvalidOperationException($"Workflow {row.WorkflowId} was dequeued while it already runs in this process.");
            if (descriptor is null)
            {
                _runtime.Logger.LogError(error, "Queue {Queue}: workflow {WorkflowId} names no registered [Workflow]; it was marked ERROR.", loop.Queue.Name, row.WorkflowId);
                await _runtime.RecordFailureAsync(row, error).ConfigureAwait(false);
            }

            return;
        }

        Tracing.DbosMetrics.Dispatched(loop.Queue.Name, (row.UpdatedAt - row.CreatedAt) / 1000.0);
        Interlocked.Increment(ref loop.Running);
        _ = active.Completion.Task.ContinueWith(_ =>
        {
            Interlocked.Decrement(ref loop.Running);
            loop.Wake();
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        await WorkflowExecutor.ResumeClaimedAsync(_runtime, descriptor, claimed, row.OwnerXid ?? string.Empty, active).ConfigureAwait(false);
    }

    private sealed class QueueLoop(WorkflowQueue queue)
    {
        private TaskCompletionSource _signal = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public WorkflowQueue Queue { get; } = queue;

        public int Running;

        /// <summary>Whether the last dequeue claimed as many as it asked for (more work is probably waiting).</summary>
        public bool Busy;

        /// <summary>Dequeues lost in a row to other processes.</summary>
        public int Contentions;

        /// <summary>When the earliest DELAYED workflow of the queue is due, as the last poll saw it.</summary>
        public DateTimeOffset? NextDelayed;

        public Task Task { get; set; } = Task.CompletedTask;

        /// <summary>How many more this process may run now (its worker concurrency less what runs).</summary>
        public int Budget => (Queue.WorkerConcurrency ?? int.MaxValue) - Volatile.Read(ref Running);

        /// <summary>Completes when <see cref="Wake"/> is called; taken before a dequeue so a wake during it is not lost.</summary>
        public Task Signal
        {
            get
            {
                var current = Volatile.Read(ref _signal);
                if (current.Task.IsCompleted)
                {
                    Interlocked.CompareExchange(ref _signal, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), current);
                }

                return Volatile.Read(ref _signal).Task;
            }
        }

        public void Wake() => Volatile.Read(ref _signal).TrySetResult();
    }
}
