using System;
using System.Globalization;
using System.Threading.Tasks;
using NUnit.Framework;

namespace Dbos.Tests.Transactions;

/// <summary>A real process SIGKILLed right after a transaction commits: its effect must appear exactly once.</summary>
public sealed class TransactionCrashTests(string engine) : EngineTest(engine)
{
    [TestCase("after-commit")]
    [TestCase("after-transaction")]
    public async Task A_transaction_whose_process_is_killed_right_after_it_commits_takes_effect_once(string killAt)
    {
        var appDatabase = IsPostgres
            ? await TestDatabases.CreatePostgresDatabaseAsync("app_crash")
            : TestDatabases.NewSqliteFile("app_crash");
        const string workflowId = "note-once";

        using (var crashing = TestApp.Start("transaction", Database, appDatabase, workflowId, killAt))
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (!crashing.HasExited && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }

            Assert.That(crashing.HasExited, Is.True, "the app did not kill itself:\n" + crashing.Output);
            Assert.That(crashing.ExitCode, Is.Not.Zero, crashing.Output);
            Assert.That(crashing.Output, Does.Not.Contain("RESULT"));
        }

        Assert.That(await NotesAsync(appDatabase), Is.EqualTo(1), "the transaction committed before the kill");
        Assert.That(await StatusAsync(workflowId), Is.EqualTo(WorkflowStatuses.Pending));
        var checkpoints = await CountAsync("SELECT COUNT(*) FROM {s}operation_outputs WHERE workflow_uuid = @p1 AND function_id = 0", workflowId);
        Assert.That(checkpoints, Is.EqualTo(killAt == "after-commit" ? 0 : 1),
            killAt == "after-commit" ? "killed between the commit and the system database checkpoint" : "killed after the checkpoint");

        using (var final = TestApp.Start("transaction", Database, appDatabase, workflowId, "none"))
        {
            Assert.That(await final.WaitForResultAsync(TimeSpan.FromSeconds(60)), Is.EqualTo("1:done hello"));
        }

        Assert.That(await NotesAsync(appDatabase), Is.EqualTo(1), "recovery did not run the committed transaction again");
        Assert.That(await StatusAsync(workflowId), Is.EqualTo(WorkflowStatuses.Success));
        var recorded = await QueryAsync("SELECT function_name, output FROM {s}operation_outputs WHERE workflow_uuid = @p1 AND function_id = 0", workflowId);
        Assert.That(recorded[0], Is.EqualTo(new object?[] { "AddNote", "1" }));
        var outputs = await QueryOnAsync(appDatabase, "SELECT COUNT(*) FROM " + (IsPostgres ? "dbos." : string.Empty) + "transaction_outputs WHERE workflow_uuid = @p1", workflowId);
        Assert.That(Convert.ToInt64(outputs[0][0], CultureInfo.InvariantCulture), Is.EqualTo(1));
    }

    private async Task<long> NotesAsync(string appDatabase)
        => Convert.ToInt64((await QueryOnAsync(appDatabase, "SELECT COUNT(*) FROM \"Notes\""))[0][0], CultureInfo.InvariantCulture);
}
