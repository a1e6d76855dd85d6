using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using NUnit.Framework;

namespace Dbos.Tests;

/// <summary>Crash safety with real processes: SIGKILL at random points, restart, and check that nothing is lost and
/// no checkpointed step runs twice.</summary>
public sealed class CrashTests(string engine) : EngineTest(engine)
{
    private const int Steps = 20;
    private const int StepMs = 10;

    private static int[] ReadEffects(string file)
    {
        var counts = new int[Steps];
        if (!File.Exists(file))
        {
            return counts;
        }

        foreach (var line in File.ReadAllLines(file).Where(l => l.Length > 0))
        {
            counts[int.Parse(line, CultureInfo.InvariantCulture)]++;
        }

        return counts;
    }

    private async Task<HashSet<int>> CheckpointedStepsAsync(string workflowId)
        => (await QueryAsync("SELECT function_id FROM {s}operation_outputs WHERE workflow_uuid = @p1", workflowId))
            .Select(r => Convert.ToInt32(r[0], CultureInfo.InvariantCulture)).ToHashSet();

    [Test]
    public async Task SIGKILL_at_random_points_loses_nothing_and_never_repeats_a_checkpointed_step()
    {
        var seed = Environment.TickCount;
        TestContext.Out.WriteLine($"seed {seed}");
        var random = new Random(seed);
        var effects = Path.Combine(Path.GetTempPath(), $"dbos-crash-{Guid.NewGuid():N}.txt");
        const string workflowId = "crash-me";
        await (await LaunchAsync()).ShutdownAsync(); // create the schema so the test can read checkpoints between kills
        var allowedRepeats = new int[Steps];
        var kills = 0;
        var killsMidWorkflow = 0;

        for (var iteration = 0; iteration < 30; iteration++)
        {
            var before = ReadEffects(effects);
            var checkpointedBefore = await CheckpointedStepsAsync(workflowId);
            using var app = TestApp.Start("steps", Database, workflowId, effects, Steps.ToString(CultureInfo.InvariantCulture), StepMs.ToString(CultureInfo.InvariantCulture));
            if (iteration % 3 == 0)
            {
                // Anywhere: during start-up, migration, recovery or a step.
                await Task.Delay(random.Next(20, 400));
            }
            else
            {
                // After a random number of new step effects, at a random point of the next step.
                var target = before.Sum() + random.Next(0, 3);
                while (!app.HasExited && ReadEffects(effects).Sum() < target)
                {
                    await Task.Delay(2);
                }

                await Task.Delay(random.Next(0, 3 * StepMs));
            }

            if (app.HasExited)
            {
                Assert.That(app.ExitCode, Is.Zero, app.Output);
                break;
            }

            await app.KillAsync();
            kills++;
            var after = ReadEffects(effects);
            var checkpointed = await CheckpointedStepsAsync(workflowId);
            for (var step = 0; step < Steps; step++)
            {
                if (checkpointedBefore.Contains(step))
                {
                    Assert.That(after[step], Is.EqualTo(before[step]), $"step {step} was checkpointed before run {iteration} but ran again");
                }
                else if (after[step] > before[step] && !checkpointed.Contains(step))
                {
                    allowedRepeats[step]++; // killed inside the step: after its effect, before its checkpoint
                }
            }

            if (checkpointed.Count > checkpointedBefore.Count || after.Sum() > before.Sum())
            {
                killsMidWorkflow++;
            }
        }

        using (var final = TestApp.Start("steps", Database, workflowId, effects, Steps.ToString(CultureInfo.InvariantCulture), StepMs.ToString(CultureInfo.InvariantCulture)))
        {
            var result = await final.WaitForResultAsync(TimeSpan.FromSeconds(60));
            Assert.That(result, Is.EqualTo($"{workflowId}:{Enumerable.Range(0, Steps).Sum()}"));
        }

        var counts = ReadEffects(effects);
        TestContext.Out.WriteLine($"{kills} kills, {killsMidWorkflow} mid-workflow; effects per step: {string.Join(",", counts)}; allowed repeats: {string.Join(",", allowedRepeats)}");
        for (var step = 0; step < Steps; step++)
        {
            Assert.That(counts[step], Is.GreaterThanOrEqualTo(1), $"step {step} never ran");
            Assert.That(counts[step], Is.LessThanOrEqualTo(1 + allowedRepeats[step]), $"step {step} ran more often than kills inside it explain");
        }

        Assert.That(await StatusAsync(workflowId), Is.EqualTo(WorkflowStatuses.Success));
        Assert.That(await CheckpointedStepsAsync(workflowId), Is.EquivalentTo(Enumerable.Range(0, Steps)));
        Assert.That(killsMidWorkflow, Is.GreaterThan(0), "no kill landed inside the workflow; the test proved nothing");
        File.Delete(effects);
    }

    [Test]
    public async Task Two_processes_starting_the_same_workflow_id_at_once_run_it_once()
    {
        var effects = Path.Combine(Path.GetTempPath(), $"dbos-race-{Guid.NewGuid():N}.txt");
        var startAt = DateTimeOffset.UtcNow.AddSeconds(3).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        using var first = TestApp.Start("race", Database, "raced", effects, startAt);
        using var second = TestApp.Start("race", Database, "raced", effects, startAt);
        var results = await Task.WhenAll(first.WaitForResultAsync(TimeSpan.FromSeconds(60)), second.WaitForResultAsync(TimeSpan.FromSeconds(60)));
        Assert.That(results, Is.All.EqualTo("raced:3"));
        Assert.That(File.ReadAllLines(effects).Where(l => l.Length > 0), Is.EqualTo(new[] { "0", "1", "2" }), "each step ran exactly once");
        Assert.That(await CountAsync("SELECT COUNT(*) FROM {s}workflow_status"), Is.EqualTo(1));
        File.Delete(effects);
    }

    [Test]
    public async Task Several_processes_migrating_a_new_database_at_once_all_succeed()
    {
        var apps = Enumerable.Range(0, 4).Select(_ => TestApp.Start("migrate", Database)).ToList();
        try
        {
            var results = await Task.WhenAll(apps.Select(a => a.WaitForResultAsync(TimeSpan.FromSeconds(60))));
            Assert.That(results, Is.All.EqualTo("migrated"));
        }
        finally
        {
            apps.ForEach(a => a.Dispose());
        }

        var versions = await QueryAsync("SELECT version FROM {s}dbos_migrations");
        Assert.That(versions.Select(v => Convert.ToInt64(v[0], CultureInfo.InvariantCulture)), Is.EqualTo(new[] { 123L }));
    }
}
