using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;

namespace Dbos.Tests;

public sealed record Payload(string Name, int Count, List<string> Tags);

public partial class BasicWorkflows
{
    [Workflow]
    public static async Task<string> ThreeSteps(int x)
    {
        var a = await StepA(x);
        var b = await StepB(a);
        return await StepC(b);
    }

    [Step]
    public static Task<int> StepA(int x)
    {
        Probe.Hit("A");
        return Task.FromResult(x + 1);
    }

    [Step]
    public static Task<int> StepB(int x)
    {
        Probe.Hit("B");
        return Task.FromResult(x * 2);
    }

    [Step]
    public static Task<string> StepC(int x)
    {
        Probe.Hit("C");
        return Task.FromResult("r" + x);
    }

    /// <summary>Checkpoints a step, then blocks in a second step until the test opens the gate.</summary>
    [Workflow]
    public static async Task<string> Gated(string key)
    {
        var first = await Record(key, "first");
        await WaitGate(key);
        var second = await Record(key, "second");
        return first + "," + second;
    }

    [Step]
    public static Task<string> Record(string key, string label)
    {
        Probe.Hit(key + ":" + label);
        return Task.FromResult(label);
    }

    [Step]
    public static Task WaitGate(string key) => Probe.Gate(key).Task;

    [Workflow]
    public static async Task<string> CatchesStepError(string key)
    {
        try
        {
            await Fails(key);
            return "no error";
        }
        catch (InvalidOperationException e)
        {
            await WaitGate(key);
            return "caught " + e.Message;
        }
    }

    [Step]
    public static Task Fails(string key)
    {
        Probe.Hit(key + ":fails");
        throw new InvalidOperationException("boom");
    }

    [Step(RetriesAllowed = true, MaxAttempts = 3, IntervalSeconds = 0.01, BackoffRate = 1)]
    public static Task<int> Flaky(string key, int failures)
    {
        var attempt = Probe.Hit(key);
        if (attempt <= failures)
        {
            throw new TimeoutException($"attempt {attempt} failed");
        }

        return Task.FromResult(attempt);
    }

    [Workflow]
    public static Task<int> Retrying(string key, int failures) => Flaky(key, failures);

    [Workflow]
    public static async Task<string> NonDeterministic(string key)
    {
        if (Probe.Flag(key))
        {
            await StepA(1);
        }
        else
        {
            await StepB(1);
        }

        await WaitGate(key);
        return "done";
    }

    [Workflow]
    public static int SyncWorkflow(int x)
    {
        var a = SyncStep(x);
        return SyncStep(a);
    }

    [Step]
    public static int SyncStep(int x)
    {
        Probe.Hit("sync");
        return x + 10;
    }

    [Workflow]
    public static void VoidWorkflow(string key) => VoidStep(key);

    [Step]
    public static void VoidStep(string key) => Probe.Hit(key);

    [Workflow]
    public static async ValueTask<int> ValueTaskWorkflow(int x) => await ValueTaskStep(x);

    [Step]
    public static ValueTask<int> ValueTaskStep(int x) => ValueTask.FromResult(x * 3);

#pragma warning disable DBOS012 // deliberately not serializable: a test checks that the call fails before anything is written
    [Workflow]
    public static Task<string> TakesDelegate(Func<int> callback) => Task.FromResult("never " + callback());
#pragma warning restore DBOS012

    [Workflow]
    public static Task<Payload> Echo(Payload payload) => Task.FromResult(payload with { Count = payload.Count + 1 });

    [Workflow]
    public static async Task<string> Parent(int children)
    {
        var results = new List<string>();
        for (var i = 0; i < children; i++)
        {
            results.Add(await Child(i));
        }

        return string.Join(",", results);
    }

    [Workflow]
    public static Task<string> Child(int index) => Task.FromResult($"{index}@{DBOS.WorkflowId}");

    [Workflow]
    public static async Task<int[]> ConcurrentSteps(int count)
    {
        var tasks = Enumerable.Range(0, count).Select(i => Square(i)).ToArray();
        return await Task.WhenAll(tasks);
    }

    [Step]
    public static async Task<int> Square(int i)
    {
        await Task.Delay((7 * i) % 13);
        return i * i;
    }

    [Workflow(Name = "limited-recovery", MaxRecoveryAttempts = 1)]
    public static async Task<string> LimitedRecovery(string key)
    {
        await WaitGate(key);
        return "finished";
    }

    [Workflow]
    public static Task<string> WorkflowIdInside() => Task.FromResult(DBOS.WorkflowId);

    [Step]
    public static Task<string> WorkflowIdInStep() => Task.FromResult(DBOS.WorkflowId);

    [Workflow]
    public static Task<string> WorkflowIdFromStep() => WorkflowIdInStep();

    [Workflow]
    public static Task<string> CountsItsRuns()
    {
        Probe.Hit("counts-its-runs");
        return Task.FromResult("ran");
    }

    [Step]
    public static Task<string> CountsItsStepRuns()
    {
        Probe.Hit("counts-its-step-runs");
        return Task.FromResult("ran");
    }
}

public interface IGreeter
{
    string Greet(string name);
}

public sealed class Greeter : IGreeter
{
    public string Greet(string name) => "hello " + name;
}

/// <summary>An instance workflow class whose dependencies come from DI.</summary>
public partial class GreetingWorkflows(IGreeter greeter)
{
    [Workflow]
    public async Task<string> Greet(string name) => await Format(name) + "!";

    [Step]
    private Task<string> Format(string name) => Task.FromResult(greeter.Greet(name));
}
