using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Dbos.SystemDatabase.Postgres;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NUnit.Framework;

namespace Dbos.Tests.Postgres;

/// <summary>Helpers for the PostgreSQL system-database tests: fresh databases, raw SQL, the reference layout.</summary>
internal static class PostgresTestSupport
{
    public const string ReferenceSchemaRelativePath = "shared/reference/dbos-system-schema-v123.sql";

    public static PostgresSystemDatabase NewSystemDatabase(string url, DbosOptions? options = null) =>
        new(PostgresConnectionStrings.Normalize(url), options ?? new DbosOptions(), NullLogger.Instance);

    /// <summary>A fresh database, migrated.</summary>
    public static async Task<(string Url, PostgresSystemDatabase Database)> NewMigratedDatabaseAsync(string prefix, DbosOptions? options = null)
    {
        var url = await TestDatabases.CreatePostgresDatabaseAsync(prefix);
        var database = NewSystemDatabase(url, options);
        await database.MigrateAsync(default);
        return (url, database);
    }

    public static NpgsqlConnection Connect(string url)
    {
        var settings = new NpgsqlConnectionStringBuilder(PostgresConnectionStrings.Normalize(url)) { Pooling = false, IncludeErrorDetail = true };
        var connection = new NpgsqlConnection(settings.ConnectionString);
        connection.Open();
        return connection;
    }

    public static async Task ExecuteAsync(string url, string sql, params object?[] parameters)
    {
        await using var connection = Connect(url);
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var p in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = p ?? DBNull.Value });
        }

        await command.ExecuteNonQueryAsync();
    }

    public static async Task<T?> ScalarAsync<T>(string url, string sql, params object?[] parameters)
    {
        await using var connection = Connect(url);
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var p in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = p ?? DBNull.Value });
        }

        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? default : (T)value;
    }

    /// <summary>Rows as strings, each column rendered and joined with " | ".</summary>
    public static async Task<List<string>> RowsAsync(string url, string sql)
    {
        await using var connection = Connect(url);
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            var cells = new string[reader.FieldCount];
            for (var i = 0; i < reader.FieldCount; i++)
            {
                cells[i] = reader.IsDBNull(i) ? "NULL" : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)!;
            }

            rows.Add(string.Join(" | ", cells));
        }

        return rows;
    }

    /// <summary>The reference dump (DBOS TypeScript 5.3 at migration 123), found by walking up from the test directory.</summary>
    public static string ReferenceSchemaPath
    {
        get
        {
            for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
            {
                foreach (var candidate in new[] { Path.Combine(dir.FullName, ReferenceSchemaRelativePath), Path.Combine(dir.FullName, "..", ReferenceSchemaRelativePath) })
                {
                    if (File.Exists(candidate))
                    {
                        return Path.GetFullPath(candidate);
                    }
                }
            }

            throw new FileNotFoundException(
                $"{ReferenceSchemaRelativePath} was not found above {TestContext.CurrentContext.TestDirectory}; clone the shared reference next to the repository.");
        }
    }

    /// <summary>Loads the reference dump into the database (function bodies are placeholders there) and, if
    /// given, records a migration version as DBOS would.</summary>
    public static async Task LoadReferenceSchemaAsync(string url, long? version)
    {
        var lines = File.ReadAllLines(ReferenceSchemaPath)
            .Where(l => !(l.StartsWith("ALTER ", StringComparison.Ordinal) && l.Contains(" OWNER TO ", StringComparison.Ordinal)));
        var script = string.Join('\n', lines);
        await using var connection = Connect(url);
        await using (var command = new NpgsqlCommand(script, connection))
        {
            await command.ExecuteNonQueryAsync();
        }

        if (version is { } v)
        {
            await using var insert = new NpgsqlCommand("INSERT INTO dbos.dbos_migrations (version) VALUES ($1)", connection);
            insert.Parameters.Add(new NpgsqlParameter { Value = v });
            await insert.ExecuteNonQueryAsync();
        }
    }

    /// <summary>The layout of a schema as catalog facts: columns, indexes, constraints, functions, triggers.</summary>
    public static async Task<Dictionary<string, List<string>>> ReadCatalogAsync(string url, string schema = "dbos")
    {
        var s = schema.Replace("'", "''", StringComparison.Ordinal);
        var queries = new Dictionary<string, string>
        {
            ["tables"] = $"SELECT tablename FROM pg_tables WHERE schemaname = '{s}'",
            ["columns"] = $"""
                SELECT table_name, column_name, data_type, character_maximum_length, numeric_precision, numeric_scale,
                       is_nullable, column_default
                FROM information_schema.columns WHERE table_schema = '{s}'
                """,
            ["indexes"] = $"SELECT indexname, replace(indexdef, '\"{s}\".', '{s}.') FROM pg_indexes WHERE schemaname = '{s}'",
            ["constraints"] = $"""
                SELECT c.relname, con.conname, con.contype, replace(pg_get_constraintdef(con.oid), '"{s}".', '{s}.')
                FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
                WHERE con.connamespace = (SELECT oid FROM pg_namespace WHERE nspname = '{s}')
                """,
            ["functions"] = $"""
                SELECT p.proname, pg_get_function_identity_arguments(p.oid), pg_get_function_arguments(p.oid),
                       pg_get_function_result(p.oid), l.lanname, array_to_string(p.proconfig, ','), p.provolatile, p.prosecdef
                FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
                WHERE p.pronamespace = (SELECT oid FROM pg_namespace WHERE nspname = '{s}')
                """,
            ["triggers"] = $"""
                SELECT t.tgname, replace(pg_get_triggerdef(t.oid), '"{s}".', '{s}.')
                FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
                WHERE NOT t.tgisinternal AND c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = '{s}')
                """,
        };

        var catalog = new Dictionary<string, List<string>>();
        foreach (var (kind, sql) in queries)
        {
            var rows = await RowsAsync(url, sql);
            rows.Sort(StringComparer.Ordinal);
            catalog[kind] = rows;
        }

        return catalog;
    }

    /// <summary>Asserts two catalogs are the same, listing what is missing and what is extra.</summary>
    public static void AssertSameCatalog(Dictionary<string, List<string>> expected, Dictionary<string, List<string>> actual, string what)
    {
        var problems = new List<string>();
        foreach (var kind in expected.Keys)
        {
            var missing = expected[kind].Except(actual[kind]).ToList();
            var extra = actual[kind].Except(expected[kind]).ToList();
            problems.AddRange(missing.Select(m => $"{kind} missing: {m}"));
            problems.AddRange(extra.Select(x => $"{kind} extra:   {x}"));
        }

        Assert.That(problems, Is.Empty, $"{what} differs from the reference layout:\n" + string.Join('\n', problems));
        foreach (var kind in expected.Keys)
        {
            Assert.That(actual[kind], Has.Count.EqualTo(expected[kind].Count), $"{kind} count");
        }
    }
}
