using System;
using System.IO;
using Dbos.SystemDatabase.Postgres;
using Dbos.SystemDatabase.Sqlite;
using Microsoft.Extensions.Logging;

namespace Dbos.SystemDatabase;

/// <summary>Chooses the engine from the connection setting: a <c>postgresql://</c> URL or an Npgsql connection
/// string means PostgreSQL; <c>sqlite:///path</c>, <c>Data Source=...</c> or a file path means SQLite.</summary>
internal static class SystemDatabaseFactory
{
    public static ISystemDatabase Create(DbosOptions options, ILogger logger)
    {
        var setting = string.IsNullOrWhiteSpace(options.SystemDatabaseUrl) ? DbosOptions.DefaultSqliteFile : options.SystemDatabaseUrl.Trim();
        if (IsPostgres(setting))
        {
            return new PostgresSystemDatabase(PostgresConnectionStrings.Normalize(setting), options, logger);
        }

        return new SqliteSystemDatabase(SqlitePath(setting), options, logger);
    }

    public static bool IsPostgres(string setting)
    {
        if (setting.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase) || setting.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        // An Npgsql connection string names a host; a SQLite one names a data source.
        return setting.Contains('=', StringComparison.Ordinal)
            && (setting.Contains("host=", StringComparison.OrdinalIgnoreCase) || setting.Contains("server=", StringComparison.OrdinalIgnoreCase));
    }

    internal static string SqlitePath(string setting)
    {
        if (setting.StartsWith("sqlite:///", StringComparison.OrdinalIgnoreCase))
        {
            setting = setting["sqlite:///".Length..];
        }
        else if (setting.StartsWith("sqlite://", StringComparison.OrdinalIgnoreCase))
        {
            setting = setting["sqlite://".Length..];
        }
        else if (setting.Contains('=', StringComparison.Ordinal))
        {
            foreach (var part in setting.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var pair = part.Split('=', 2, StringSplitOptions.TrimEntries);
                if (pair.Length == 2 && (pair[0].Equals("Data Source", StringComparison.OrdinalIgnoreCase) || pair[0].Equals("DataSource", StringComparison.OrdinalIgnoreCase) || pair[0].Equals("Filename", StringComparison.OrdinalIgnoreCase)))
                {
                    setting = pair[1];
                    break;
                }
            }

            if (setting.Contains('=', StringComparison.Ordinal))
            {
                throw new ArgumentException(
                    "The system database setting is not recognized. Use a postgresql:// URL, an Npgsql connection string (Host=...;Database=...), " +
                    "sqlite:///path, a SQLite connection string (Data Source=...) or a SQLite file path.");
            }
        }

        if (setting.Length == 0)
        {
            throw new ArgumentException("The SQLite system database path is empty.");
        }

        return Path.GetFullPath(setting);
    }
}
