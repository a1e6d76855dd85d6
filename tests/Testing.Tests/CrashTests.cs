using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;

namespace Dbos.Testing.Tests;

/// <summary>A fake payment provider that counts the charges it took.</summary>
public sealed class RecordingPayments : IPayments
{
    public ConcurrentQueue<(string Order, decimal Amount)> Charges { get; } = new();

    public Task<string> ChargeAsync(string order, decimal amount)
    {
        Charges.Enqueue((order, amount));
        return Task.FromResult($"pay-{order}-{amount:0}");
    }
}

public sealed class CrashTests(string engine) : EngineTest(engine)
{
    [TestCase(CrashMoment.BeforeStep, "Charge", new[] { "Reserve" }, new[] { "Charge", "Ship" }, new string[0], 1)]
    [TestCase(CrashMoment.BeforeCheckpoint, "Charge", new[] { "Reserve", "Charge" }, new[] { "Charge", "Ship" }, new[] { "Charge" }, 2)]
    [TestCase(CrashMoment.AfterStep, "Charge", new[] { "Reserve", "Charge" }, new[] { "Ship" }, new string[0], 1)]
    public async Task A_crash_at_a_step_is_recovered_by_a_new_runtime_which_reruns_only_unrecorded_steps(
        CrashMoment moment, string step, string[] before, string[] after, string[] again, int charges)
    {
        var payments = new RecordingPayments();
        await using var env = await StartAsync(o => o.Services.AddSingleton<IPayments>(payments));
        var order = $"{moment}-{Engine}-{Guid.NewGuid():N}";
        var point = moment switch
        {
            CrashMoment.BeforeStep => CrashPoint.BeforeStep(step),
            CrashMoment.BeforeCheckpoint => CrashPoint.BeforeCheckpoint(step),
            _ => CrashPoint.AfterStep(step),
        };

        var client = env.GetRequiredService<ICheckoutClient>();
        var crash = await env.RunUntilCrashAsync(point, () => client.StartRunAsync(order, 10m));
        Assert.That(crash.StepName, Is.EqualTo("Charge"));
        Assert.That(crash.FunctionId, Is.EqualTo(1));

        // The dead process left the workflow PENDING with the checkpoints it had committed.
        var left = await WorkflowHistory.LoadFromDatabaseAsync(env.SystemDatabaseUrl, crash.WorkflowId);
        Assert.That(left.Status, Is.EqualTo("PENDING"));
        Assert.That(left.Steps.Select(s => s.Name), Is.EqualTo(moment == CrashMoment.AfterStep ? new[] { "Reserve", "Charge" } : new[] { "Reserve" }));

        var recovered = await crash.RecoverAsync<string>();
        Assert.That(recovered.Result, Is.EqualTo($"res-{order}/pay-{order}-10/track-{order}"));
        Assert.That(recovered.StepsRunBeforeCrash.Select(r => r.Name), Is.EqualTo(before));
        Assert.That(recovered.StepsRunAfterRecovery.Select(r => r.Name), Is.EqualTo(after));
        Assert.That(recovered.StepsRunAgain, Is.EqualTo(again));
        Assert.That(payments.Charges.Count(c => c.Order == order), Is.EqualTo(charges), "a step whose checkpoint was lost runs again: its effect must tolerate that");
        Assert.That(env.Process, Is.EqualTo(1));
        var steps = await env.Runtime.ListWorkflowStepsAsync(crash.WorkflowId);
        Assert.That(steps.Select(s => s.Name), Is.EqualTo(new[] { "Reserve", "Charge", "Ship" }), "each step checkpointed once");
    }

    [Test]
    public async Task A_crash_point_can_be_a_function_id()
    {
        await using var env = await StartAsync(o => o.Services.AddSingleton<IPayments>(new RecordingPayments()));
        var order = "by-id-" + Engine + "-" + Guid.NewGuid().ToString("N");
        var client = env.GetRequiredService<ICheckoutClient>();
        var crash = await env.RunUntilCrashAsync(CrashPoint.AfterStep(0), () => client.StartRunAsync(order, 5m));
        Assert.That(crash.StepName, Is.EqualTo("Reserve"));
        var recovered = await crash.RecoverAsync();
        Assert.That(recovered.StepsRunAfterRecovery.Select(r => r.Name), Is.EqualTo(new[] { "Charge", "Ship" }));
        Assert.That(Runs.Count("reserve-" + order), Is.EqualTo(1));
    }

    [Test]
    public async Task A_crash_point_the_workflow_never_reaches_fails_with_the_reason_and_the_runtime_keeps_running()
    {
        await using var env = await StartAsync(o => o.Services.AddSingleton<IPayments>(new RecordingPayments()));
        var client = env.GetRequiredService<ICheckoutClient>();
        var order = "never-" + Engine + "-" + Guid.NewGuid().ToString("N");
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => env.RunUntilCrashAsync(CrashPoint.BeforeStep("Refund"), () => client.StartRunAsync(order, 1m)));
        Assert.That(error!.Message, Does.Contain("without reaching the crash point").And.Contain("Refund"));
        Assert.That(await client.RunAsync(order + "-again", 2m), Does.StartWith("res-"));
        Assert.That(env.Process, Is.EqualTo(0));
    }

    [Test]
    public async Task Steps_use_the_fakes_registered_in_the_environment()
    {
        var payments = new RecordingPayments();
        await using var env = await StartAsync(o => o.Services.AddSingleton<IPayments>(payments));
        var order = "mock-" + Engine + "-" + Guid.NewGuid().ToString("N");
        Assert.That(await env.GetRequiredService<ICheckoutClient>().RunAsync(order, 12m), Is.EqualTo($"res-{order}/pay-{order}-12/track-{order}"));
        Assert.That(payments.Charges, Is.EqualTo(new[] { (order, 12m) }));
    }
}
