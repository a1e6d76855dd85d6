using System;
using System.Threading.Tasks;

namespace Dbos.Benchmarks.Throughput;

/// <summary>The workflows the peer benchmark (benchmarks/peer/bench.mjs) runs, with the same names and bodies.</summary>
public static partial class BenchWorkflows
{
    [Workflow(Name = "threeSteps")]
    public static async Task<string> ThreeSteps(int x)
    {
        var a = await StepA(x);
        var b = await StepB(a);
        return await StepC(b);
    }

    [Step(Name = "stepA")]
    public static Task<int> StepA(int x) => Task.FromResult(x + 1);

    [Step(Name = "stepB")]
    public static Task<int> StepB(int x) => Task.FromResult(x * 2);

    [Step(Name = "stepC")]
    public static Task<string> StepC(int x) => Task.FromResult("r" + x);

    [Workflow(Name = "emptyWorkflow")]
    public static Task<int> Empty() => Task.FromResult(1);

    /// <summary>The backlog rows' workflow: a step, then a step that notes when it ran.</summary>
    [Workflow(Name = "backlogItem")]
    public static async Task<int> BacklogItem(int x) => await Noted(await StepA(x));

    [Step(Name = "noted")]
    public static Task<int> Noted(int x)
    {
        Backlog.Completed(System.Diagnostics.Stopwatch.GetTimestamp());
        return Task.FromResult(x);
    }

#if DBOS_MESSAGING
    /// <summary>Blocks in recv until a message arrives on topic "ping" (600 s, as the peer).</summary>
    [Workflow(Name = "waiter")]
    public static async Task<string?> Waiter() => await DBOS.RecvAsync<string>("ping", TimeSpan.FromSeconds(600));
#endif
}

/// <summary>The completion times of the backlog rows' workflows, in the order they finished.</summary>
internal static class Backlog
{
    private static long[] _times = [];
    private static int _count;
    private static TaskCompletionSource _done = new();

    public static Task Reset(int target)
    {
        _times = new long[target];
        _count = 0;
        _done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return _done.Task;
    }

    public static void Completed(long timestamp)
    {
        var i = System.Threading.Interlocked.Increment(ref _count) - 1;
        if (i < _times.Length)
        {
            _times[i] = timestamp;
            if (i == _times.Length - 1)
            {
                _done.TrySetResult();
            }
        }
    }

    public static long At(int index) => _times[index];
}
