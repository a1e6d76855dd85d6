using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using NUnit.Framework;

namespace Dbos.Tests;

/// <summary>
/// Two live processes with the same executor id (the default <c>local</c>) recover the workflows a SIGKILLed process
/// left PENDING. A ledger written by every step body shows which process ran what: no step of one workflow runs in
/// both live processes, and no step checkpointed before the kill runs again. Every wait is on the database or on a
/// line the processes print, and the steps after the first two wait at a gate (a file) the test opens only once both
/// processes have made their recovery pass, so the processes really overlap whatever the machine's speed.
/// </summary>
public sealed class MultiProcessRecoveryTests(string engine) : EngineTest(engine)
{
    private const int Workflows = 40;
    private const int Steps = 5;
    private const int FreeSteps = 2;

    [Test]
    public Task A_second_process_started_while_the_first_recovers_takes_none_of_its_workflows() => RecoverWithTwoProcessesAsync(staggered: true);

    [Test]
    public Task Two_processes_started_at_the_same_instant_share_the_workflows_and_run_each_once() => RecoverWithTwoProcessesAsync(staggered: false);

    private async Task RecoverWithTwoProcessesAsync(bool staggered)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"dbos-fleet-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        var ledger = Path.Combine(folder, "ledger.txt");
        var gate = Path.Combine(folder, "gate");
        var count = Workflows.ToString(CultureInfo.InvariantCulture);
        await (await LaunchAsync()).ShutdownAsync(); // the schema, so the test can read checkpoints

        int killedPid;
        using (var first = TestApp.Start("fleet-start", Database, ledger, gate, count))
        {
            killedPid = first.Id;
            await WaitUntilAsync(async () => await CountAsync($"SELECT COUNT(*) FROM {{s}}operation_outputs WHERE function_id = {FreeSteps - 1}") == Workflows,
                first, "every workflow checkpointed its free steps");
            await first.KillAsync();
        }

        var checkpointed = await CountAsync("SELECT COUNT(*) FROM {s}operation_outputs");
        Assert.That(checkpointed, Is.EqualTo(Workflows * FreeSteps), "the killed process stopped at the gate");

        TestApp a;
        TestApp b;
        if (staggered)
        {
            a = TestApp.Start("fleet-recover", Database, ledger, gate, count, "0");
            await WaitUntilAsync(async () => await CountAsync("SELECT COUNT(*) FROM {s}workflow_status WHERE recovery_attempts = 2") == Workflows, a, "A claimed every workflow");
            await a.WaitForLineAsync("RECOVERED ", TimeSpan.FromSeconds(60));
            b = TestApp.Start("fleet-recover", Database, ledger, gate, count, "0");
        }
        else
        {
            var startAt = DateTimeOffset.UtcNow.AddSeconds(3).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
            a = TestApp.Start("fleet-recover", Database, ledger, gate, count, startAt);
            b = TestApp.Start("fleet-recover", Database, ledger, gate, count, startAt);
        }

        using (a)
        using (b)
        {
            var recoveredByB = int.Parse(await b.WaitForLineAsync("RECOVERED ", TimeSpan.FromSeconds(60)), CultureInfo.InvariantCulture);
            var recoveredByA = int.Parse(await a.WaitForLineAsync("RECOVERED ", TimeSpan.FromSeconds(60)), CultureInfo.InvariantCulture);
            Assert.That(await CountAsync("SELECT COUNT(*) FROM {s}workflow_status WHERE recovery_attempts = 2"), Is.EqualTo(Workflows), "each workflow was claimed exactly once");
            if (staggered)
            {
                Assert.That(recoveredByB, Is.Zero, "B found every workflow owned by the live A");
            }

            TestContext.Out.WriteLine($"recovery passes after start: A {recoveredByA}, B {recoveredByB}");
            await File.WriteAllTextAsync(gate, "open");
            Assert.That(await a.WaitForResultAsync(TimeSpan.FromSeconds(120)), Is.EqualTo("done"));
            Assert.That(await b.WaitForResultAsync(TimeSpan.FromSeconds(120)), Is.EqualTo("done"));

            var runs = Directory.GetFiles(folder, "ledger.txt.*").SelectMany(File.ReadAllLines).Where(l => l.Length > 0).Select(l => l.Split(','))
                .Select(p => (Workflow: p[0], Step: int.Parse(p[1], CultureInfo.InvariantCulture), Pid: int.Parse(p[2], CultureInfo.InvariantCulture))).ToList();
            var live = new HashSet<int> { a.Id, b.Id };
            var byProcess = new Dictionary<int, int> { [a.Id] = 0, [b.Id] = 0 };
            for (var i = 0; i < Workflows; i++)
            {
                var id = $"fleet-{i}";
                var mine = runs.Where(r => r.Workflow == id).ToList();
                for (var step = 0; step < FreeSteps; step++)
                {
                    Assert.That(mine.Where(r => r.Step == step).Select(r => r.Pid), Is.EqualTo(new[] { killedPid }), $"{id} step {step} was checkpointed before the kill and ran only then");
                }

                for (var step = FreeSteps; step < Steps; step++)
                {
                    Assert.That(mine.Count(r => r.Step == step), Is.EqualTo(1), $"{id} step {step} ran exactly once");
                }

                var runners = mine.Where(r => r.Step >= FreeSteps).Select(r => r.Pid).Distinct().ToList();
                Assert.That(runners, Has.Count.EqualTo(1).And.All.Matches<int>(live.Contains), $"{id} ran in one live process only");
                byProcess[runners[0]]++;
            }

            TestContext.Out.WriteLine($"workflows run by A: {byProcess[a.Id]}, by B: {byProcess[b.Id]}");
            if (staggered)
            {
                Assert.That(byProcess[b.Id], Is.Zero);
            }
        }

        var outcomes = await QueryAsync("SELECT status, COUNT(*) FROM {s}workflow_status GROUP BY status");
        Assert.That(outcomes.Select(r => $"{r[0]}:{Convert.ToInt64(r[1], CultureInfo.InvariantCulture)}"), Is.EqualTo(new[] { $"SUCCESS:{Workflows}" }));
        Directory.Delete(folder, recursive: true);
    }

    [Test]
    public async Task A_running_process_of_another_executor_takes_over_the_workflows_of_a_killed_one()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"dbos-takeover-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        var ledger = Path.Combine(folder, "ledger.txt");
        var gate = Path.Combine(folder, "gate");
        var count = Workflows.ToString(CultureInfo.InvariantCulture);
        await (await LaunchAsync()).ShutdownAsync();

        // B runs first, as executor exec-b, with nothing of its own to recover; A (exec-a) starts the workflows and is killed.
        using var b = TestApp.StartWithEnvironment(new Dictionary<string, string> { ["DBOS__VMID"] = "exec-b" }, "fleet-recover", Database, ledger, gate, count, "0");
        Assert.That(await b.WaitForLineAsync("RECOVERED ", TimeSpan.FromSeconds(60)), Is.EqualTo("0"));
        int killedPid;
        using (var a = TestApp.StartWithEnvironment(new Dictionary<string, string> { ["DBOS__VMID"] = "exec-a" }, "fleet-start", Database, ledger, gate, count))
        {
            killedPid = a.Id;
            await WaitUntilAsync(async () => await CountAsync($"SELECT COUNT(*) FROM {{s}}operation_outputs WHERE function_id = {FreeSteps - 1}") == Workflows,
                a, "every workflow checkpointed its free steps");
            Assert.That(await CountAsync("SELECT COUNT(*) FROM {s}workflow_status WHERE executor_id = 'exec-a' AND status = 'PENDING'"), Is.EqualTo(Workflows),
                "the live B took none of the live A's workflows");
            await a.KillAsync();
        }

        // Nothing restarts A: the live B finds its instance gone and claims every workflow once.
        await WaitUntilAsync(async () => await CountAsync("SELECT COUNT(*) FROM {s}workflow_status WHERE executor_id = 'exec-b'") == Workflows, b, "B took over every workflow");
        Assert.That(await CountAsync("SELECT COUNT(*) FROM {s}workflow_status WHERE recovery_attempts = 2"), Is.EqualTo(Workflows), "each workflow was claimed exactly once");
        await File.WriteAllTextAsync(gate, "open");
        Assert.That(await b.WaitForResultAsync(TimeSpan.FromSeconds(120)), Is.EqualTo("done"));

        var runs = Directory.GetFiles(folder, "ledger.txt.*").SelectMany(File.ReadAllLines).Where(l => l.Length > 0).Select(l => l.Split(','))
            .Select(p => (Workflow: p[0], Step: int.Parse(p[1], CultureInfo.InvariantCulture), Pid: int.Parse(p[2], CultureInfo.InvariantCulture))).ToList();
        for (var i = 0; i < Workflows; i++)
        {
            var mine = runs.Where(r => r.Workflow == $"fleet-{i}").ToList();
            for (var step = 0; step < Steps; step++)
            {
                var expected = step < FreeSteps ? killedPid : b.Id;
                Assert.That(mine.Where(r => r.Step == step).Select(r => r.Pid), Is.EqualTo(new[] { expected }), $"fleet-{i} step {step} ran once, in the right process");
            }
        }

        Assert.That(await CountAsync("SELECT COUNT(*) FROM {s}workflow_status WHERE status = 'SUCCESS'"), Is.EqualTo(Workflows));
        Directory.Delete(folder, recursive: true);
    }
}
