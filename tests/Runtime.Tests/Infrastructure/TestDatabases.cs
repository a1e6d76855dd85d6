using System;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Dbos.SystemDatabase.Postgres;
using Npgsql;

namespace Dbos.Tests;

/// <summary>Fresh databases for tests: one PostgreSQL database or SQLite file per test, never shared.</summary>
public static class TestDatabases
{
    /// <summary>The environment variable naming the test PostgreSQL server (set by <c>scripts/test.sh</c>).</summary>
    public const string PostgresUrlVariable = "DBOS_TEST_POSTGRES_URL";

    private static int s_counter;

    /// <summary>The test PostgreSQL server, e.g. <c>postgresql://postgres@127.0.0.1:5432/postgres</c>.</summary>
    public static string PostgresServerUrl =>
        Environment.GetEnvironmentVariable(PostgresUrlVariable) is { Length: > 0 } url
            ? url
            : throw new InvalidOperationException(
                $"The PostgreSQL tests need a server: run them through scripts/test.sh, or start one with " +
                $"'bash scripts/postgres.sh start' and set {PostgresUrlVariable}=$(bash scripts/postgres.sh url).");

    /// <summary>Creates a new, empty, uniquely named database on the test server and returns a <c>postgresql://</c> URL to it.</summary>
    public static async Task<string> CreatePostgresDatabaseAsync(string prefix)
    {
        var serverUrl = PostgresServerUrl;
        var name = UniqueName(prefix, 63).ToLowerInvariant();
        var settings = new NpgsqlConnectionStringBuilder(PostgresConnectionStrings.Normalize(serverUrl)) { Pooling = false };
        await using (var connection = new NpgsqlConnection(settings.ConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await create.ExecuteNonQueryAsync();
        }

        return WithDatabase(serverUrl, name);
    }

    /// <summary>A unique path for a SQLite file under a temporary test directory; the file is not created.</summary>
    public static string NewSqliteFile(string prefix)
    {
        var directory = Path.Combine(Path.GetTempPath(), "dbos-tests", "sqlite");
        Directory.CreateDirectory(directory);
        return Path.Combine(directory, UniqueName(prefix, 100) + ".sqlite");
    }

    /// <summary>The server URL (or Npgsql connection string) pointed at another database.</summary>
    public static string WithDatabase(string serverUrl, string database)
    {
        var scheme = serverUrl.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0)
        {
            // An Npgsql connection string: turn it into the URL form callers expect.
            var builder = new NpgsqlConnectionStringBuilder(serverUrl);
            var userInfo = builder.Username is null
                ? string.Empty
                : Uri.EscapeDataString(builder.Username) + (builder.Password is null ? string.Empty : ":" + Uri.EscapeDataString(builder.Password)) + "@";
            return $"postgresql://{userInfo}{builder.Host ?? "localhost"}:{builder.Port}/{Uri.EscapeDataString(database)}";
        }

        var authorityStart = scheme + 3;
        var queryStart = serverUrl.IndexOf('?', authorityStart);
        var query = queryStart >= 0 ? serverUrl[queryStart..] : string.Empty;
        var withoutQuery = queryStart >= 0 ? serverUrl[..queryStart] : serverUrl;
        var pathStart = withoutQuery.IndexOf('/', authorityStart);
        var root = pathStart >= 0 ? withoutQuery[..pathStart] : withoutQuery;
        return $"{root}/{Uri.EscapeDataString(database)}{query}";
    }

    private static string UniqueName(string prefix, int maxLength)
    {
        var clean = new StringBuilder();
        foreach (var c in prefix)
        {
            clean.Append(char.IsAsciiLetterOrDigit(c) ? c : '_');
        }

        var suffix = $"_{Environment.ProcessId}_{Interlocked.Increment(ref s_counter)}_{Guid.NewGuid():N}"[..^20];
        var head = clean.Length == 0 ? "test" : clean.ToString();
        if (head.Length + suffix.Length > maxLength)
        {
            head = head[..Math.Max(1, maxLength - suffix.Length)];
        }

        return head + suffix;
    }
}
