using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using NUnit.Framework;

namespace Dbos.Tests.Context;

/// <summary>The user, roles, assumed role and request of a workflow survive a SIGKILL: the process that recovers it has
/// none of its own, and the workflow sees the stored ones.</summary>
public sealed class ContextCrashTests(string engine) : EngineTest(engine)
{
    [Test]
    public async Task A_workflow_killed_mid_run_is_recovered_with_its_user_roles_and_request()
    {
        var effects = Path.Combine(Path.GetTempPath(), $"dbos-context-crash-{Guid.NewGuid():N}.txt");
        const string workflowId = "context-crash";
        await (await LaunchAsync()).ShutdownAsync(); // the schema, so the test can read checkpoints while the first process runs
        try
        {
            using (var first = TestApp.Start("context", Database, workflowId, effects, "start"))
            {
                var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
                // Killed once the first step is checkpointed (decided from the database, not from its side effect, which comes
                // before the checkpoint): from then on it must never run again.
                while (await StepCountAsync(workflowId) < 1)
                {
                    Assert.That(first.HasExited, Is.False, "the first process ended early:\n" + first.Output);
                    Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "the first step never ran:\n" + first.Output);
                    await Task.Delay(20);
                }

                await first.KillAsync();
            }

            Assert.That(await StatusAsync(workflowId), Is.EqualTo(WorkflowStatuses.Pending));
            var row = (await QueryAsync("SELECT authenticated_user, authenticated_roles, assumed_role, request FROM {s}workflow_status WHERE workflow_uuid = @p1", workflowId)).Single();
            Assert.That(row[0], Is.EqualTo("alice"));
            Assert.That(row[1], Is.EqualTo("[\"user\",\"admin\"]"));
            Assert.That(row[2], Is.EqualTo("admin"));
            Assert.That((string)row[3]!, Does.Contain("tag-9"));

            await File.WriteAllTextAsync(effects + ".go", "go");
            using var second = TestApp.Start("context", Database, workflowId, effects, "resume");
            var result = await second.WaitForResultAsync(TimeSpan.FromSeconds(90));
            Assert.That(result, Is.EqualTo("context-crash|alice|user,admin|admin|POST|http://127.0.0.1:8080/reports/9?format=pdf|tag-9|9|9"));
            Assert.That(File.ReadAllLines(effects).Count(l => l.Length > 0), Is.EqualTo(1), "the checkpointed first step did not run again");
            Assert.That(await StatusAsync(workflowId), Is.EqualTo(WorkflowStatuses.Success));
        }
        finally
        {
            File.Delete(effects);
            File.Delete(effects + ".go");
        }
    }
}
