using System;
using System.Globalization;
using System.Threading.Tasks;
using Npgsql;

namespace Dbos.Benchmarks.Throughput;

/// <summary>The PostgreSQL server the harness runs on: URLs of its own databases, fresh databases per run, and the
/// server's commit counters (pg_stat_database), which count round trips that committed, ours and the peer's alike.</summary>
internal sealed class PostgresServer
{
    private readonly Uri _url;

    public PostgresServer(string url)
    {
        _url = new Uri(url.Replace("postgres://", "postgresql://", StringComparison.OrdinalIgnoreCase));
        if (_url.Scheme != "postgresql")
        {
            throw new ArgumentException("--pg needs a postgresql:// URL, e.g. postgresql://postgres@127.0.0.1:5432/postgres");
        }
    }

    /// <summary>The URL of another database on the same server.</summary>
    public string Url(string database) => new UriBuilder(_url) { Path = "/" + database, Query = string.Empty }.Uri.ToString();

    /// <summary>An Npgsql connection string for a database on this server.</summary>
    public string ConnectionString(string database, int maxPool = 20)
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = _url.Host,
            Port = _url.Port > 0 ? _url.Port : 5432,
            Database = database,
            MaxPoolSize = maxPool,
        };
        var userInfo = _url.UserInfo.Split(':', 2);
        if (userInfo[0].Length > 0)
        {
            builder.Username = Uri.UnescapeDataString(userInfo[0]);
        }

        if (userInfo.Length > 1)
        {
            builder.Password = Uri.UnescapeDataString(userInfo[1]);
        }

        return builder.ConnectionString;
    }

    public string Host => _url.Host;
    public int Port => _url.Port > 0 ? _url.Port : 5432;
    public string User => _url.UserInfo.Split(':', 2)[0] is { Length: > 0 } u ? Uri.UnescapeDataString(u) : "postgres";

    private NpgsqlConnection Admin() => new(ConnectionString("postgres", maxPool: 2));

    public async Task RecreateDatabaseAsync(string database)
    {
        await using var connection = Admin();
        await connection.OpenAsync();
        await using (var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", connection))
        {
            await drop.ExecuteNonQueryAsync();
        }

        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database}\"", connection);
        await create.ExecuteNonQueryAsync();
    }

    public async Task DropDatabaseAsync(string database)
    {
        await using var connection = Admin();
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }

    /// <summary>Commits (xact_commit + xact_rollback) and rows written so far in a database. Backends flush their
    /// counters when they exit, so read this after the clients closed their connections.</summary>
    public async Task<DbCounters> CountersAsync(string database)
    {
        // Let the backends that just closed finish exiting (they flush their statistics on exit).
        await Task.Delay(300);
        await using var connection = Admin();
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT xact_commit + xact_rollback, tup_inserted + tup_updated + tup_deleted FROM pg_stat_database WHERE datname = $1", connection);
        command.Parameters.AddWithValue(database);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? new DbCounters(reader.GetInt64(0), reader.GetInt64(1)) : default;
    }

    public async Task<(string Version, string SynchronousCommit, string Fsync)> DescribeAsync()
    {
        await using var connection = Admin();
        await connection.OpenAsync();
        async Task<string> Scalar(string sql)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            return Convert.ToString(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture) ?? "?";
        }

        return (await Scalar("SHOW server_version"), await Scalar("SHOW synchronous_commit"), await Scalar("SHOW fsync"));
    }
}

internal readonly record struct DbCounters(long Transactions, long RowsWritten)
{
    public static DbCounters operator -(DbCounters a, DbCounters b) => new(a.Transactions - b.Transactions, a.RowsWritten - b.RowsWritten);
}
