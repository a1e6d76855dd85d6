using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Dbos.SystemDatabase.Postgres;
using Npgsql;
using NUnit.Framework;

namespace Dbos.Interop.Tests;

/// <summary>Patches across languages: DBOS.PatchAsync records the marker DBOS TypeScript's DBOS.patch records (same name, same
/// position, same empty row), so a patch name means the same thing in both and their tools show it alike.</summary>
public sealed class PatchInteropTests : InteropFixture
{
    [Test]
    public async Task A_CSharp_patch_records_the_marker_a_TypeScript_patch_records()
    {
        var cs = Id("cs");
        var ts = Id("ts");
        var handle = await StartCsAsync(cs, () => InteropWorkflows.Patched());
        await StartTsAsync("tsPatched", ts);
        Assert.That(await handle.GetResultAsync(), Is.EqualTo("2:true:true"));
        Assert.That((await TsAsync("clientGetResult", new { workflowId = ts })).GetRawText(), Is.EqualTo("\"2:true:true\""));

        static List<string> Steps(JsonElement steps) => steps.EnumerateArray()
            .Select(s => $"{s.GetProperty("functionID").GetInt32()} {s.GetProperty("name").GetString()} {s.GetProperty("output").GetRawText()} {s.GetProperty("error").GetRawText()}")
            .ToList();

        var csSteps = Steps(await TsAsync("clientListSteps", new { workflowId = cs }));
        Assert.That(csSteps, Is.EqualTo(Steps(await TsAsync("clientListSteps", new { workflowId = ts }))));
        Assert.That(csSteps, Is.EqualTo(new[] { "0 Double 2 null", "1 DBOS.patch-shared-pricing null null" }), "a deprecated patch records nothing");

        Assert.That(await MarkerRowAsync(cs), Is.EqualTo(await MarkerRowAsync(ts)));
    }

    /// <summary>The stored columns of the workflow's patch marker (times aside).</summary>
    private async Task<string> MarkerRowAsync(string workflowId)
    {
        await using var connection = new NpgsqlConnection(PostgresConnectionStrings.Normalize(DatabaseUrl));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            """
            SELECT concat_ws('|', function_id, function_name, coalesce(output, '<null>'), coalesce(error, '<null>'), coalesce(serialization, '<null>'),
                coalesce(child_workflow_id, '<null>'), (started_at_epoch_ms IS NOT NULL), (completed_at_epoch_ms IS NOT NULL))
            FROM dbos.operation_outputs WHERE workflow_uuid = $1 AND function_name LIKE 'DBOS.patch-%'
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = workflowId });
        return (string)(await command.ExecuteScalarAsync())!;
    }
}
