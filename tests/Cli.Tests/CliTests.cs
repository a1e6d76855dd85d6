using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Dbos.Tests;
using Microsoft.Data.Sqlite;
using Npgsql;
using NUnit.Framework;

namespace Dbos.Cli.Tests;

/// <summary>The dbos tool as a process against a database with known rows: a SUCCESS workflow with two steps, an ERROR one, and one
/// ENQUEUED on a queue nobody serves. Asserts its tables, its --json and its exit codes.</summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public sealed partial class CliTests(string engine)
{
    private string _database = "";

    private bool IsPostgres => engine == "postgres";

    [SetUp]
    public async Task CreateRows()
    {
        var name = TestContext.CurrentContext.Test.MethodName ?? "cli";
        _database = IsPostgres ? await TestDatabases.CreatePostgresDatabaseAsync(name) : TestDatabases.NewSqliteFile(name);
        await using var runtime = await DbosRuntime.LaunchAsync(new DbosOptions { SystemDatabaseUrl = _database, ShutdownTimeout = TimeSpan.Zero });
        using var use = runtime.Use();
        var workflows = new CliWorkflows();
        using (new SetWorkflowID("ship-1"))
        {
            Assert.That(await workflows.Ship(1), Is.EqualTo("label-1"));
        }

        using (new SetWorkflowID("fail-1"))
        {
            await Assert.ThrowsAsync<InvalidOperationException>(() => workflows.Fail("out of stock"));
        }

        await DBOS.EnqueueAsync("later", () => workflows.Ship(3), new WorkflowOptions { WorkflowId = "queued-1" });
    }

    private Task<CliRun> Run(params string[] arguments) => CliProcess.RunAsync(arguments.Concat(new[] { "--db", _database }));

    private static JsonElement Json(CliRun run)
    {
        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        return JsonDocument.Parse(run.Output).RootElement;
    }

    private static string Line(CliRun run, string containing)
        => run.Output.Split('\n').SingleOrDefault(l => l.Contains(containing, StringComparison.Ordinal)) ?? throw new AssertionException($"No line with '{containing}' in:\n{run}");

    [Test]
    public async Task Workflow_list_prints_a_table_and_json()
    {
        var table = await Run("workflow", "list");
        Assert.That(table.ExitCode, Is.Zero, table.ToString());
        Assert.That(Line(table, "ship-1"), Does.Contain("SUCCESS").And.Contain("Ship").And.Contain("CliWorkflows")
            .And.Match(@"(now|\d+s ago) \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\)"), "times relative and absolute");
        Assert.That(Line(table, "fail-1"), Does.Contain("ERROR").And.Contain("Fail"));
        Assert.That(Line(table, "queued-1"), Does.Contain("ENQUEUED").And.Contain("later"));
        Assert.That(table.Output, Does.Not.Contain("\u001b["), "no colour codes when the output is not a terminal");

        var all = Json(await Run("workflow", "list", "--json"));
        Assert.That(all.EnumerateArray().Select(w => w.GetProperty("workflowId").GetString()), Is.EquivalentTo(new[] { "ship-1", "fail-1", "queued-1" }));

        var errors = Json(await Run("workflow", "list", "--json", "--status", "ERROR"));
        Assert.That(errors.GetArrayLength(), Is.EqualTo(1));
        Assert.That(errors[0].GetProperty("workflowId").GetString(), Is.EqualTo("fail-1"));
        Assert.That(errors[0].GetProperty("status").GetString(), Is.EqualTo("ERROR"));

        var ships = Json(await Run("workflow", "list", "--json", "--name", "Ship"));
        Assert.That(ships.EnumerateArray().Select(w => w.GetProperty("workflowId").GetString()), Is.EquivalentTo(new[] { "ship-1", "queued-1" }));
        Assert.That(Json(await Run("workflow", "list", "--json", "--limit", "1")).GetArrayLength(), Is.EqualTo(1));
        var prefixed = Json(await Run("workflow", "list", "--json", "--prefix", "que", "--queue", "later"));
        Assert.That(prefixed.EnumerateArray().Select(w => w.GetProperty("workflowId").GetString()), Is.EqualTo(new[] { "queued-1" }));
    }

    [Test]
    public async Task Workflow_get_and_steps_show_one_workflow_and_an_unknown_id_exits_1()
    {
        var get = Json(await Run("workflow", "get", "ship-1", "--json"));
        Assert.That(get.GetProperty("status").GetString(), Is.EqualTo("SUCCESS"));
        Assert.That(get.GetProperty("output").GetString(), Is.EqualTo("label-1"));
        Assert.That(get.GetProperty("input").GetProperty("positionalArgs")[0].GetInt32(), Is.EqualTo(1));
        Assert.That(get.GetProperty("executorId").GetString(), Is.EqualTo("local"));

        var failed = Json(await Run("workflow", "get", "fail-1", "--json"));
        Assert.That(failed.GetProperty("error").ToString(), Does.Contain("out of stock"));

        var details = await Run("workflow", "get", "ship-1");
        Assert.That(details.ExitCode, Is.Zero, details.ToString());
        Assert.That(Line(details, "Status"), Does.Contain("SUCCESS"));
        Assert.That(Line(details, "Output"), Does.Contain("label-1"));

        var steps = Json(await Run("workflow", "steps", "ship-1", "--json"));
        Assert.That(steps.EnumerateArray().Select(s => (s.GetProperty("functionId").GetInt32(), s.GetProperty("name").GetString())),
            Is.EqualTo(new[] { (0, "Label"), (1, "Weigh") }));
        Assert.That(steps[1].GetProperty("output").GetInt32(), Is.EqualTo(10));
        var stepTable = await Run("workflow", "steps", "ship-1");
        Assert.That(Line(stepTable, "Weigh"), Does.Contain("10").And.Contain(" ms"));

        foreach (var command in new[] { "get", "steps", "cancel", "resume", "delete" })
        {
            var unknown = await Run("workflow", command, "nobody");
            Assert.That(unknown.ExitCode, Is.EqualTo(1), unknown.ToString());
            Assert.That(unknown.Error, Is.EqualTo("No workflow with ID 'nobody'." + Environment.NewLine), command);
            Assert.That(unknown.Output, Is.Empty, command);
        }
    }

    [Test]
    public async Task Queue_list_cancel_resume_fork_delete_and_gc_change_the_rows()
    {
        var queued = Json(await Run("queue", "list", "--json"));
        Assert.That(queued.EnumerateArray().Select(w => w.GetProperty("workflowId").GetString()), Is.EqualTo(new[] { "queued-1" }));
        Assert.That(Line(await Run("queue", "list"), "queued-1"), Does.Contain("ENQUEUED").And.Contain("later"));

        var cancel = await Run("workflow", "cancel", "queued-1");
        Assert.That(cancel.ExitCode, Is.Zero, cancel.ToString());
        Assert.That(cancel.Output.Trim(), Is.EqualTo("Workflow queued-1 is CANCELLED."));
        Assert.That(await StatusAsync("queued-1"), Is.EqualTo("CANCELLED"));
        Assert.That(Json(await Run("queue", "list", "--json")).GetArrayLength(), Is.Zero);

        var resume = Json(await Run("workflow", "resume", "queued-1", "--json"));
        Assert.That(resume.GetProperty("status").GetString(), Is.EqualTo("ENQUEUED"));
        Assert.That(resume.GetProperty("queueName").GetString(), Is.EqualTo("_dbos_internal_queue"));

        var fork = Json(await Run("workflow", "fork", "ship-1", "--step", "1", "--fork-id", "ship-1-fork", "--json"));
        Assert.That(fork.GetProperty("workflowId").GetString(), Is.EqualTo("ship-1-fork"));
        Assert.That(fork.GetProperty("status").GetString(), Is.EqualTo("ENQUEUED"));
        Assert.That(Json(await Run("workflow", "get", "ship-1-fork", "--json")).GetProperty("forkedFrom").GetString(), Is.EqualTo("ship-1"));
        Assert.That(Json(await Run("workflow", "steps", "ship-1-fork", "--json")).GetArrayLength(), Is.EqualTo(1), "step 0 copied, step 1 to run again");
        var again = await Run("workflow", "fork", "ship-1", "--step", "1", "--fork-id", "ship-1-fork");
        Assert.That(again.ExitCode, Is.EqualTo(1), again.ToString());
        Assert.That(again.Error, Does.Contain("already exists"));

        var delete = await Run("workflow", "delete", "fail-1");
        Assert.That(delete.Output.Trim(), Is.EqualTo("Deleted workflow fail-1."));
        Assert.That((await Run("workflow", "get", "fail-1")).ExitCode, Is.EqualTo(1));

        var gc = Json(await Run("gc", "--older-than", "0s", "--json"));
        Assert.That(gc.GetProperty("deleted").GetInt64(), Is.EqualTo(1), "ship-1 (finished); the enqueued ones stay");
        Assert.That(Json(await Run("workflow", "list", "--json")).EnumerateArray().Select(w => w.GetProperty("workflowId").GetString()),
            Is.EquivalentTo(new[] { "queued-1", "ship-1-fork" }));

        var nothing = await Run("gc");
        Assert.That(nothing.ExitCode, Is.EqualTo(2), nothing.ToString());
        Assert.That(nothing.Error, Does.Contain("--older-than"));
        var bad = await Run("gc", "--older-than", "soon");
        Assert.That(bad.ExitCode, Is.EqualTo(2), bad.ToString());
    }

    [Test]
    public async Task Reset_refuses_without_confirmation_then_migrate_creates_the_schema_again()
    {
        var refused = await Run("reset");
        Assert.That(refused.ExitCode, Is.EqualTo(1), refused.ToString());
        Assert.That(refused.Error, Does.StartWith("Refusing to reset").And.Contain("--yes"));
        Assert.That(await StatusAsync("ship-1"), Is.EqualTo("SUCCESS"), "nothing was deleted");

        var reset = await Run("reset", "--yes");
        Assert.That(reset.ExitCode, Is.Zero, reset.ToString());
        var gone = await Run("workflow", "list");
        Assert.That(gone.ExitCode, Is.EqualTo(3), gone.ToString());
        Assert.That(gone.Error, Does.Contain("has no DBOS schema").And.Contain("dbos migrate"));

        var migrate = await Run("migrate");
        Assert.That(migrate.ExitCode, Is.Zero, migrate.ToString());
        Assert.That(migrate.Output.Trim(), Is.EqualTo("The system database is at schema version 123."));
        Assert.That(Json(await Run("workflow", "list", "--json")).GetArrayLength(), Is.Zero);
    }

    [Test]
    public async Task The_database_comes_from_the_environment_or_appsettings_json()
    {
        var folder = Directory.CreateTempSubdirectory("dbos-cli-").FullName;
        var none = await CliProcess.RunAsync(["workflow", "list"], folder);
        Assert.That(none.ExitCode, Is.EqualTo(2), none.ToString());
        Assert.That(none.Error, Does.Contain("--db").And.Contain("DBOS_SYSTEM_DATABASE_URL").And.Contain("appsettings.json"));

        var fromEnvironment = await CliProcess.RunAsync(["workflow", "get", "ship-1", "--json"], folder, new Dictionary<string, string?> { [DbosOptions.SystemDatabaseUrlVariable] = _database });
        Assert.That(Json(fromEnvironment).GetProperty("workflowId").GetString(), Is.EqualTo("ship-1"));

        await File.WriteAllTextAsync(Path.Combine(folder, "appsettings.json"), JsonSerializer.Serialize(new { Dbos = new { SystemDatabaseUrl = _database } }));
        var fromSettings = await CliProcess.RunAsync(["workflow", "get", "fail-1", "--json"], folder);
        Assert.That(Json(fromSettings).GetProperty("workflowId").GetString(), Is.EqualTo("fail-1"));
    }

    [Test]
    public async Task An_unreachable_database_exits_3_with_the_runtime_message()
    {
        if (!IsPostgres)
        {
            var missing = await CliProcess.RunAsync(["workflow", "list", "--db", Path.Combine(Path.GetTempPath(), "no-such-dir", "none.sqlite")]);
            Assert.That(missing.ExitCode, Is.EqualTo(3), missing.ToString());
            Assert.That(missing.Error, Does.Contain("has no DBOS schema"));
            return;
        }

        var run = await CliProcess.RunAsync(["workflow", "list", "--db", "postgresql://dbos:secret@127.0.0.1:1/nowhere"]);
        Assert.That(run.ExitCode, Is.EqualTo(3), run.ToString());
        Assert.That(run.Error, Does.StartWith("Could not connect to the DBOS system database").And.Not.Contain("secret"));
    }

    [Test]
    public async Task Every_command_has_help_with_an_example_and_version_needs_no_database()
    {
        var commands = new[]
        {
            new[] { "migrate" }, ["workflow"], ["workflow", "list"], ["workflow", "get"], ["workflow", "steps"], ["workflow", "cancel"],
            ["workflow", "resume"], ["workflow", "fork"], ["workflow", "delete"], ["queue"], ["queue", "list"], ["gc"], ["reset"], ["version"],
            ["version", "list"], ["version", "set-latest"], ["schedule"], ["schedule", "list"], ["schedule", "get"], ["schedule", "pause"],
            ["schedule", "resume"], ["schedule", "trigger"], ["schedule", "backfill"], ["schedule", "delete"],
        };
        foreach (var command in commands)
        {
            var help = await CliProcess.RunAsync(command.Append("--help"));
            Assert.That(help.ExitCode, Is.Zero, help.ToString());
            Assert.That(help.Output, Does.Contain("Example: dbos " + command[0]), string.Join(' ', command));
        }

        var version = await CliProcess.RunAsync(["version", "--json"]);
        Assert.That(Json(version).GetProperty("version").GetString(), Does.StartWith("0.1.0"));

        var usage = await CliProcess.RunAsync(["workflow", "fork", "ship-1"]);
        Assert.That(usage.ExitCode, Is.Not.Zero, "--step is required");
    }

    private async Task<string?> StatusAsync(string workflowId)
    {
        if (IsPostgres)
        {
            await using var connection = new NpgsqlConnection(Dbos.SystemDatabase.Postgres.PostgresConnectionStrings.Normalize(_database));
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT status FROM dbos.workflow_status WHERE workflow_uuid = $1", connection) { Parameters = { new() { Value = workflowId } } };
            return (string?)await command.ExecuteScalarAsync();
        }

        await using var sqlite = new SqliteConnection($"Data Source={_database};Pooling=False");
        await sqlite.OpenAsync();
        await using var query = sqlite.CreateCommand();
        query.CommandText = "SELECT status FROM workflow_status WHERE workflow_uuid = $id";
        query.Parameters.AddWithValue("$id", workflowId);
        return (string?)await query.ExecuteScalarAsync();
    }
}
