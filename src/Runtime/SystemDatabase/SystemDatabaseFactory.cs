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
        RejectUnknownScheme(setting);
        if (IsPostgres(setting))
        {
            return new PostgresSystemDatabase(PostgresConnectionStrings.Normalize(setting), options, logger);
        }

        return new SqliteSystemDatabase(SqlitePath(setting), options, logger);
    }

    /// <summary>The forms of the setting, for messages.</summary>
    internal const string AcceptedForms =
        "a postgresql:// (or postgres://) URL, an Npgsql connection string (Host=...;Database=...), sqlite:///relative/path or " +
        "sqlite:////absolute/path, a SQLite connection string (Data Source=...) or a SQLite file path";

    /// <summary>A URL-like setting with another scheme is a typo or an unsupported engine, not a file name: taking it as
    /// a SQLite path would create folders named after the URL and run on an empty database.</summary>
    internal static void RejectUnknownScheme(string setting)
    {
        var colon = setting.IndexOf(':', StringComparison.Ordinal);
        // One letter before the colon is a Windows drive (C:\ or C:/); a scheme needs two or more.
        if (colon < 2 || colon + 1 >= setting.Length || setting[colon + 1] is not ('/' or '\\') || !IsScheme(setting.AsSpan(0, colon)))
        {
            return;
        }

        var scheme = setting[..colon];
        var known = scheme.ToLowerInvariant() is "postgresql" or "postgres" or "sqlite";
        if (known && setting.AsSpan(colon).StartsWith("://", StringComparison.Ordinal))
        {
            return;
        }

        var what = known
            ? $"'{scheme}:' must be followed by '//' (e.g. {scheme}://host/database or sqlite:///file.sqlite)"
            : $"the scheme '{scheme}://' is not recognized";
        throw new ArgumentException(
            $"The system database setting (DbosOptions.SystemDatabaseUrl) is not valid: {what}. Use {AcceptedForms}.",
            nameof(DbosOptions.SystemDatabaseUrl));
    }

    private static bool IsScheme(ReadOnlySpan<char> text)
    {
        if (!char.IsAsciiLetter(text[0]))
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('+' or '-' or '.'))
            {
                return false;
            }
        }

        return true;
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
                throw new ArgumentException($"The system database setting (DbosOptions.SystemDatabaseUrl) is not recognized. Use {AcceptedForms}.");
            }
        }

        if (setting.Length == 0)
        {
            throw new ArgumentException("The SQLite system database path is empty.");
        }

        return Path.GetFullPath(setting);
    }
}
