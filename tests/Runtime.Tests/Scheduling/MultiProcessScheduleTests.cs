using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using NUnit.Framework;

namespace Dbos.Tests;

/// <summary>Three executor processes (tests/TestApp, mode "schedule") fire one schedule every second on one system database:
/// each tick becomes one workflow, run once. Decided from the database and the processes' ledgers, never from timing.</summary>
public sealed class MultiProcessScheduleTests(string engine) : EngineTest(engine)
{
    private const int Ticks = 8;

    [Test]
    public async Task Three_executors_firing_one_schedule_make_exactly_one_run_per_tick()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"dbos-schedule-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        var ledger = Path.Combine(folder, "ledger.txt");
        await (await LaunchAsync(o => o.RunSchedules = false)).ShutdownAsync(); // the schema, so the test can read the rows

        var apps = new List<TestApp>();
        try
        {
            apps.Add(TestApp.Start("schedule", Database, ledger, "create"));
            await apps[0].WaitForLineAsync("STARTED", TimeSpan.FromSeconds(60));
            apps.Add(TestApp.Start("schedule", Database, ledger, "join"));
            apps.Add(TestApp.Start("schedule", Database, ledger, "join"));
            await apps[1].WaitForLineAsync("STARTED", TimeSpan.FromSeconds(60));
            await apps[2].WaitForLineAsync("STARTED", TimeSpan.FromSeconds(60));
            var joined = DateTimeOffset.UtcNow;

            // Enough ticks after all three joined, so every tick counted was fired by three processes.
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(90);
            while (await CountAsync("SELECT COUNT(*) FROM {s}workflow_status WHERE schedule_name = 'fleet-ticks' AND status = 'SUCCESS' AND created_at > @p1", joined.ToUnixTimeMilliseconds()) < Ticks)
            {
                Assert.That(DateTime.UtcNow, Is.LessThan(until), "ticks ran; outputs:\n" + string.Join("\n---\n", apps.Select(a => a.Output)));
                Assert.That(apps.Any(a => a.HasExited), Is.False, "an executor exited:\n" + string.Join("\n---\n", apps.Select(a => a.Output)));
                await Task.Delay(200);
            }
        }
        finally
        {
            foreach (var app in apps)
            {
                await app.KillAsync();
                app.Dispose();
            }
        }

        var rows = await QueryAsync("SELECT workflow_uuid, status FROM {s}workflow_status WHERE schedule_name = 'fleet-ticks' ORDER BY workflow_uuid");
        var ticks = rows.Select(r => DateTimeOffset.Parse(((string)r[0]!)["sched-fleet-ticks-".Length..], CultureInfo.InvariantCulture)).ToList();
        Assert.That(ticks.Select(t => t.Millisecond), Is.All.Zero, "IDs name whole seconds");
        Assert.That(ticks.Zip(ticks.Skip(1), (a, b) => (b - a).TotalSeconds), Is.All.EqualTo(1.0), "one workflow per tick, no tick missed between the first and the last");

        var runs = Directory.GetFiles(folder, "ledger.txt.*").SelectMany(File.ReadAllLines).Where(l => l.Length > 0)
            .GroupBy(l => l.Split(',')[0]).ToDictionary(g => g.Key, g => g.Count());
        foreach (var row in rows)
        {
            var id = (string)row[0]!;
            var expected = (string?)row[1] == WorkflowStatuses.Success ? 1 : runs.GetValueOrDefault(id) > 0 ? 1 : 0;
            Assert.That(runs.GetValueOrDefault(id), Is.EqualTo(expected), $"{id} ({row[1]}) ran once");
        }

        Assert.That(runs.Keys.Except(rows.Select(r => (string)r[0]!)), Is.Empty, "every run has its row");
        Directory.Delete(folder, recursive: true);
    }
}
