using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;

namespace Dbos.Tests;

/// <summary>Workflows for the queue tests: each records that it runs, how many run at once, and in what order.</summary>
public static partial class QueueWorkflows
{
    private static int _running;
    private static int _maxRunning;

    public static ConcurrentQueue<string> Order { get; } = new();

    public static int MaxRunning => Volatile.Read(ref _maxRunning);

    public static void Reset()
    {
        _running = 0;
        _maxRunning = 0;
        Order.Clear();
    }

    /// <summary>Runs one step that stays inside until the gate opens, so the test sees how many run at once.</summary>
    [Workflow]
    public static async Task<string> Hold(string label, string gate)
    {
        await Inside(label, gate);
        return label;
    }

    [Step]
    private static async Task Inside(string label, string gate)
    {
        var now = Interlocked.Increment(ref _running);
        int max;
        while ((max = Volatile.Read(ref _maxRunning)) < now && Interlocked.CompareExchange(ref _maxRunning, now, max) != max)
        {
        }

        Order.Enqueue(label);
        await Probe.Gate(gate).Task;
        Interlocked.Decrement(ref _running);
    }

    [Workflow]
    public static Task<string> Echo(string value) => Task.FromResult(value);

    /// <summary>Enqueues a child on the queue and waits for it: the enqueue is a durable operation of the parent.</summary>
    [Workflow]
    public static async Task<string> Parent(string queue)
    {
        var child = await DBOS.EnqueueAsync(queue, () => Echo("from the child"));
        return child.WorkflowId + ":" + await child.GetResultAsync();
    }
}
