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

#if DBOS_MESSAGING
    /// <summary>Blocks in recv until a message arrives on topic "ping" (600 s, as the peer).</summary>
    [Workflow(Name = "waiter")]
    public static async Task<string?> Waiter() => await DBOS.RecvAsync<string>("ping", TimeSpan.FromSeconds(600));
#endif
}
