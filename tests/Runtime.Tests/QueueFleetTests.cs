using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using NUnit.Framework;

namespace Dbos.Tests;

/// <summary>
/// Three worker processes (tests/TestApp "queue-worker", executors w0..w2) share one queue with a global concurrency of 10
/// and a worker concurrency of 8 each, so only the global limit keeps them under 10. Every step body writes when it enters
/// and leaves to a ledger per process; the test reads from the ledgers how many steps ran at once across the processes and
/// which process ran what, and from the database when everything finished. Nothing waits on timing.
/// </summary>
public sealed class QueueFleetTests(string engine) : EngineTest(engine)
{
    private const int GlobalConcurrency = 10;
    private const int Steps = 3;

    [Test]
    public async Task Three_workers_sharing_a_queue_never_exceed_its_global_concurrency_and_run_each_step_once()
    {
        using var fleet = await StartFleetAsync(workflows: 90);
        await WaitUntilAllSucceededAsync(fleet, 90);
        fleet.KillAll();

        var runs = fleet.ReadLedgers();
        var peak = PeakConcurrency(runs, killedAt: null);
        TestContext.Out.WriteLine($"peak concurrency {peak}; workflows per process: {string.Join(", ", fleet.WorkflowsPerProcess(runs))}");
        Assert.That(peak, Is.LessThanOrEqualTo(GlobalConcurrency), "steps running at once across the three processes");
        for (var i = 0; i < 90; i++)
        {
            for (var step = 0; step < Steps; step++)
            {
                Assert.That(runs.Count(r => r.Enter && r.Workflow == $"qf-{i}" && r.Step == step), Is.EqualTo(1), $"qf-{i} step {step} ran once");
            }
        }
    }

    [Test]
    public async Task A_worker_killed_mid_queue_loses_nothing_its_workflows_finish_on_the_others_and_no_checkpointed_step_runs_again()
    {
        const int workflows = 120;
        // w0 never finishes step 1 of every 10th workflow that reaches it there (from its first), so when it is killed some of its
        // workflows are surely mid-way; the others it runs are killed wherever they are.
        using var fleet = await StartFleetAsync(workflows, stickEvery: 10);
        var victim = fleet.Workers[0];
        await WaitUntilAsync(async () => await CountAsync("SELECT COUNT(*) FROM {s}workflow_status WHERE status = 'SUCCESS' AND workflow_uuid LIKE 'qf-%'") >= 20
            && victim.Output.Contains("STUCK ", StringComparison.Ordinal), victim, "w0 ran queued workflows and is stuck in one");
        await victim.KillAsync();
        var held = victim.Output.Split('\n').Where(l => l.StartsWith("STUCK ", StringComparison.Ordinal)).Select(l => l["STUCK ".Length..].Trim()).ToList();
        var killedAt = DateTime.UtcNow.Ticks;

        // Which steps were checkpointed when w0 died (by anyone): those must never run again.
        var checkpointed = (await QueryAsync("SELECT workflow_uuid, function_id FROM {s}operation_outputs WHERE workflow_uuid LIKE 'qf-%'"))
            .Select(r => ((string)r[0]!, Convert.ToInt32(r[1], CultureInfo.InvariantCulture))).ToHashSet();

        await WaitUntilAllSucceededAsync(fleet, workflows);
        fleet.KillAll();
        var runs = fleet.ReadLedgers();
        var peak = PeakConcurrency(runs, killedAt);
        TestContext.Out.WriteLine($"w0 was stuck in {held.Count} workflows when killed; peak concurrency {peak}; workflows per process: {string.Join(", ", fleet.WorkflowsPerProcess(runs))}");
        Assert.That(peak, Is.LessThanOrEqualTo(GlobalConcurrency));
        for (var i = 0; i < workflows; i++)
        {
            var id = $"qf-{i}";
            for (var step = 0; step < Steps; step++)
            {
                var enters = runs.Where(r => r.Enter && r.Workflow == id && r.Step == step).ToList();
                var byLive = enters.Count(r => r.Pid != victim.Id);
                var byVictim = enters.Count(r => r.Pid == victim.Id);
                if (checkpointed.Contains((id, step)))
                {
                    Assert.That(enters, Has.Count.EqualTo(1), $"{id} step {step} was checkpointed before the kill: it ran once and never again");
                }
                else
                {
                    Assert.That(byLive, Is.EqualTo(1), $"{id} step {step} ran once on a live worker");
                    Assert.That(byVictim, Is.LessThanOrEqualTo(1), $"{id} step {step} was at most started by w0 when it was killed");
                }
            }
        }

        var finishers = await QueryAsync("SELECT DISTINCT executor_id FROM {s}workflow_status WHERE workflow_uuid LIKE 'qf-%' AND workflow_uuid IN (" +
            string.Join(", ", held.Select(h => $"'{h}'")) + ")");
        Assert.That(finishers.Select(r => (string)r[0]!), Has.None.EqualTo("w0"), "w0's stuck workflows were taken over and finished by w1 and w2");
    }

    private async Task<Fleet> StartFleetAsync(int workflows, int stickEvery = 0)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"dbos-queue-fleet-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        await (await LaunchAsync()).ShutdownAsync(); // the schema, so the test can read the database from the start
        var fleet = new Fleet(folder);
        // w1 and w2 are serving before w0 enqueues, so the three compete for the queue from its first workflow.
        fleet.Workers[1] = TestApp.Start("queue-worker", Database, fleet.Ledger, "w1", "8", "0");
        fleet.Workers[2] = TestApp.Start("queue-worker", Database, fleet.Ledger, "w2", "8", "0");
        await fleet.Workers[1].WaitForLineAsync("READY", TimeSpan.FromSeconds(60));
        await fleet.Workers[2].WaitForLineAsync("READY", TimeSpan.FromSeconds(60));
        fleet.Workers[0] = TestApp.Start("queue-worker", Database, fleet.Ledger, "w0", "8", workflows.ToString(CultureInfo.InvariantCulture), stickEvery.ToString(CultureInfo.InvariantCulture));
        await fleet.Workers[0].WaitForLineAsync("READY", TimeSpan.FromSeconds(60));
        return fleet;
    }

    private async Task WaitUntilAllSucceededAsync(Fleet fleet, int workflows)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(180);
        while (await CountAsync("SELECT COUNT(*) FROM {s}workflow_status WHERE status = 'SUCCESS' AND workflow_uuid LIKE 'qf-%'") < workflows)
        {
            if (DateTime.UtcNow > until || fleet.Workers.Skip(1).Any(w => w.HasExited))
            {
                Assert.Fail("Not every queued workflow finished. Output of w1:\n" + fleet.Workers[1].Output + "\nOutput of w2:\n" + fleet.Workers[2].Output);
            }

            await Task.Delay(50);
        }
    }

    /// <summary>The most steps whose [enter, exit] intervals overlap; a step of a killed process that never exited ends at the kill.</summary>
    private static int PeakConcurrency(List<Run> runs, long? killedAt)
    {
        var exits = runs.Where(r => !r.Enter).ToDictionary(r => (r.Workflow, r.Step, r.Pid), r => r.Ticks);
        var edges = new List<(long Ticks, int Delta)>();
        foreach (var enter in runs.Where(r => r.Enter))
        {
            var exit = exits.TryGetValue((enter.Workflow, enter.Step, enter.Pid), out var t) ? t : killedAt ?? throw new InvalidOperationException($"{enter.Workflow} step {enter.Step} never finished");
            edges.Add((enter.Ticks, 1));
            edges.Add((exit, -1));
        }

        var current = 0;
        var peak = 0;
        foreach (var (_, delta) in edges.OrderBy(e => e.Ticks).ThenBy(e => e.Delta)) // at the same tick, an exit before an enter
        {
            current += delta;
            peak = Math.Max(peak, current);
        }

        return peak;
    }

    private sealed record Run(bool Enter, string Workflow, int Step, int Pid, long Ticks);

    private sealed class Fleet(string folder) : IDisposable
    {
        public string Ledger { get; } = Path.Combine(folder, "ledger.txt");

        public TestApp[] Workers { get; } = new TestApp[3];

        public List<Run> ReadLedgers() => Directory.GetFiles(folder, "ledger.txt.*").SelectMany(File.ReadAllLines).Where(l => l.Length > 0)
            .Select(l => l.Split(','))
            .Select(p => new Run(p[0] == "enter", p[1], int.Parse(p[2], CultureInfo.InvariantCulture), int.Parse(p[3], CultureInfo.InvariantCulture), long.Parse(p[4], CultureInfo.InvariantCulture)))
            .ToList();

        public IEnumerable<string> WorkflowsPerProcess(List<Run> runs) => Workers.Select((w, i) =>
            $"w{i}: {runs.Where(r => r.Enter && r.Step == 0 && r.Pid == w.Id).Select(r => r.Workflow).Distinct().Count()}");

        public void KillAll()
        {
            foreach (var worker in Workers.Where(w => w is not null))
            {
                worker.KillAsync().GetAwaiter().GetResult();
            }
        }

        public void Dispose()
        {
            KillAll();
            foreach (var worker in Workers.Where(w => w is not null))
            {
                worker.Dispose();
            }

            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // A killed process's file may still be closing; the temp folder is cleaned by the OS.
            }
        }
    }
}
