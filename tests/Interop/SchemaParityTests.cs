using System;
using System.Collections.Generic;
using System.IO;
using System.Threading.Tasks;
using Dbos.SystemDatabase.Postgres;
using Dbos.Tests;
using Npgsql;
using NUnit.Framework;

namespace Dbos.Interop.Tests;

/// <summary>
/// The SQL that other languages call (<c>dbos.enqueue_workflow</c>, <c>dbos.send_message</c>) and the notifications
/// trigger, against a database migrated by the npm package itself (<c>npx dbos schema</c> of DBOS TypeScript 5.3).
/// </summary>
public sealed class SchemaParityTests
{
    private const string FunctionsSql = """
        SELECT p.proname || E'\n' || array_to_string(p.proconfig, ',') || E'\n' || pg_get_functiondef(p.oid)
        FROM pg_proc p WHERE p.pronamespace = 'dbos'::regnamespace ORDER BY p.proname
        """;

    private const string TriggersSql = """
        SELECT pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        WHERE NOT t.tgisinternal AND c.relnamespace = 'dbos'::regnamespace ORDER BY t.tgname
        """;

    private static async Task<List<string>> RowsAsync(string url, string sql)
    {
        await using var connection = new NpgsqlConnection(PostgresConnectionStrings.Normalize(url));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.IsDBNull(0) ? "NULL" : Convert.ToString(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture)!);
        }

        return rows;
    }

    private static async Task<string> MigratedByDbosTypeScriptAsync()
    {
        var url = await TestDatabases.CreatePostgresDatabaseAsync("interop_ts_schema");
        await NodePeer.RunNodeAsync(Path.Combine("node_modules", "@dbos-inc", "dbos-sdk", "dist", "src", "cli", "cli.js"), "schema", url);
        return url;
    }

    private static async Task<string> MigratedByThisSdkAsync()
    {
        var url = await TestDatabases.CreatePostgresDatabaseAsync("interop_cs_schema");
        await using var runtime = await DbosRuntime.LaunchAsync(new DbosOptions { SystemDatabaseUrl = url, RecoverPendingWorkflows = false });
        return url;
    }

    [Test]
    public async Task Functions_and_trigger_are_defined_exactly_as_DBOS_TypeScript_defines_them()
    {
        await NodePeer.EnsureInstalledAsync();
        var ts = await MigratedByDbosTypeScriptAsync();
        var cs = await MigratedByThisSdkAsync();

        var expected = await RowsAsync(ts, FunctionsSql);
        Assert.That(expected, Has.Count.EqualTo(3), "enqueue_workflow, notifications_function, send_message");
        var actual = await RowsAsync(cs, FunctionsSql);
        for (var i = 0; i < Math.Max(expected.Count, actual.Count); i++)
        {
            Assert.That(i < actual.Count ? actual[i] : "(missing)", Is.EqualTo(i < expected.Count ? expected[i] : "(none)"), "pg_get_functiondef, byte for byte");
        }

        Assert.That(await RowsAsync(cs, TriggersSql), Is.EqualTo(await RowsAsync(ts, TriggersSql)));
        Assert.That(await RowsAsync(ts, "SELECT version FROM dbos.dbos_migrations"), Is.EqualTo(new[] { "123" }));
    }

    [Test]
    public async Task Each_SDK_accepts_the_database_the_other_migrated_and_leaves_it_as_it_is()
    {
        await NodePeer.EnsureInstalledAsync();
        var ts = await MigratedByDbosTypeScriptAsync();
        var tsFunctions = await RowsAsync(ts, FunctionsSql);
        await using (await DbosRuntime.LaunchAsync(new DbosOptions { SystemDatabaseUrl = ts, RecoverPendingWorkflows = false }))
        {
        }

        Assert.That(await RowsAsync(ts, FunctionsSql), Is.EqualTo(tsFunctions));
        Assert.That(await RowsAsync(ts, "SELECT version FROM dbos.dbos_migrations"), Is.EqualTo(new[] { "123" }));

        var cs = await MigratedByThisSdkAsync();
        var csFunctions = await RowsAsync(cs, FunctionsSql);
        await using (var peer = await NodePeer.StartAsync(cs))
        {
            Assert.That((await peer.CallAsync("ping")).GetString(), Is.EqualTo("pong"));
        }

        Assert.That(await RowsAsync(cs, FunctionsSql), Is.EqualTo(csFunctions));
        Assert.That(await RowsAsync(cs, "SELECT version FROM dbos.dbos_migrations"), Is.EqualTo(new[] { "123" }));
    }
}
