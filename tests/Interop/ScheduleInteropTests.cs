using System;
using System.Text.Json;
using System.Threading.Tasks;
using Dbos.SystemDatabase.Postgres;
using Npgsql;
using NUnit.Framework;

namespace Dbos.Interop.Tests;

/// <summary>
/// Schedules across languages on one system database: a schedule the DBOS TypeScript 5.3 client stores for a C# workflow is fired
/// and run by this SDK, and one this SDK stores for a TypeScript workflow is fired and run by DBOS TypeScript. Each side owns its
/// schedules through <c>application_name</c>, as DBOS routes them; outcomes are read from the database.
/// </summary>
public sealed class ScheduleInteropTests : InteropFixture
{
    private const string DotnetApplication = "interop-dotnet";
    private const string TypeScriptApplication = "interop-peer"; // peer.mjs's DBOS name
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    protected override void Configure(DbosOptions options)
    {
        options.ApplicationName = DotnetApplication;
        options.SchedulerPollingInterval = TimeSpan.FromSeconds(1);
    }

    /// <summary>The first run of the schedule that finished, as (workflow ID, status), waiting for it.</summary>
    private async Task<string> FirstSucceededRunAsync(string scheduleName)
    {
        var until = DateTime.UtcNow + Bound;
        await using var connection = new NpgsqlConnection(PostgresConnectionStrings.Normalize(DatabaseUrl));
        await connection.OpenAsync();
        while (true)
        {
            await using var command = new NpgsqlCommand(
                "SELECT workflow_uuid FROM dbos.workflow_status WHERE schedule_name = $1 AND status = 'SUCCESS' ORDER BY workflow_uuid LIMIT 1", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = scheduleName });
            if (await command.ExecuteScalarAsync() is string id)
            {
                return id;
            }

            if (DateTime.UtcNow > until)
            {
                await using var runs = new NpgsqlCommand(
                    "SELECT workflow_uuid || ' ' || status || ' ' || COALESCE(application_version, '-') || ' ' || COALESCE(executor_id, '-') FROM dbos.workflow_status WHERE schedule_name = $1 ORDER BY workflow_uuid LIMIT 5", connection);
                runs.Parameters.Add(new NpgsqlParameter { Value = scheduleName });
                var found = new System.Collections.Generic.List<string>();
                await using (var reader = await runs.ExecuteReaderAsync())
                {
                    while (await reader.ReadAsync())
                    {
                        found.Add(reader.GetString(0));
                    }
                }

                Assert.Fail($"no run of schedule {scheduleName} succeeded; its runs: {string.Join("; ", found)}. TypeScript log:\n{Peer.RecentOutput()}");
            }

            await Task.Delay(200);
        }
    }

    [Test]
    public async Task A_schedule_stored_by_the_TypeScript_client_for_a_CSharp_workflow_runs_here()
    {
        await TsAsync("clientCreateSchedule", new
        {
            scheduleName = "ts-made",
            workflowName = nameof(InteropWorkflows.ScheduledTick),
            workflowClassName = nameof(InteropWorkflows),
            schedule = "* * * * * *",
            context = "from-ts",
            applicationName = DotnetApplication,
        });
        var stored = await Runtime.GetScheduleAsync("ts-made");
        Assert.That(stored, Is.Not.Null);
        Assert.That((stored!.GetContext<string>(), stored.WorkflowClassName, stored.ApplicationName), Is.EqualTo(("from-ts", nameof(InteropWorkflows), DotnetApplication)),
            "the context DBOS TypeScript wrote with its default serializer reads here");

        var id = await FirstSucceededRunAsync("ts-made");
        Assert.That(id, Does.Match(@"^sched-ts-made-\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$"));
        var result = await (await Runtime.RetrieveWorkflowAsync<string>(id)).GetResultAsync();
        Assert.That(result, Is.EqualTo("from-ts@" + id["sched-ts-made-".Length..]), "the run got the tick of its ID and the schedule's context");
        var status = await Runtime.GetWorkflowStatusAsync(id);
        Assert.That((status!.ExecutorId, status.QueueName), Is.EqualTo(("dotnet-interop", WorkflowQueue.InternalQueueName)));
        Assert.That(await Runtime.DeleteScheduleAsync("ts-made"), Is.True);
    }

    [Test]
    public async Task A_schedule_stored_here_for_a_TypeScript_workflow_runs_in_DBOS_TypeScript()
    {
        await Runtime.CreateScheduleAsync("cs-made", "tsScheduled", "* * * * * *", "from-cs", new ScheduleOptions { ApplicationName = TypeScriptApplication });
        var seen = await TsAsync("clientGetSchedule", new { scheduleName = "cs-made" });
        Assert.That(seen.GetProperty("context").GetString(), Is.EqualTo("from-cs"), "DBOS TypeScript parses the context this SDK wrote");
        Assert.That(seen.GetProperty("status").GetString(), Is.EqualTo("ACTIVE"));

        var id = await FirstSucceededRunAsync("cs-made");
        Assert.That(id, Does.Match(@"^sched-cs-made-\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$"));
        var result = await TsAsync("clientGetResult", new { workflowId = id });
        Assert.That(result.GetString(), Is.EqualTo("from-cs@" + id["sched-cs-made-".Length..]));
        Assert.That((await Runtime.GetWorkflowStatusAsync(id))!.ExecutorId, Is.EqualTo("ts-interop-peer"), "DBOS TypeScript ran it");
        await TsAsync("clientDeleteSchedule", new { scheduleName = "cs-made" });
        Assert.That(await Runtime.GetScheduleAsync("cs-made"), Is.Null);
    }
}
