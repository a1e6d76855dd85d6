using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Npgsql;

namespace Dbos.SystemDatabase.Postgres;

/// <summary>Turns the URL forms DBOS users write into Npgsql connection strings.</summary>
internal static class PostgresConnectionStrings
{
    private const string AcceptedForms =
        "Accepted forms: a URL 'postgresql://user:password@host:port/database?sslmode=require' (or 'postgres://...'), " +
        "or an Npgsql connection string 'Host=host;Port=5432;Database=database;Username=user;Password=password'.";

    /// <summary>Turns a <c>postgresql://</c> / <c>postgres://</c> URL or an Npgsql connection string into an Npgsql connection string.</summary>
    /// <exception cref="ArgumentException">The value is neither a PostgreSQL URL nor a valid Npgsql connection string.</exception>
    public static string Normalize(string urlOrConnectionString)
    {
        ArgumentNullException.ThrowIfNull(urlOrConnectionString);
        var value = urlOrConnectionString.Trim();
        if (value.Length == 0)
        {
            throw new ArgumentException("The PostgreSQL system database URL is empty. " + AcceptedForms, nameof(urlOrConnectionString));
        }

        if (value.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
        {
            return FromUrl(value["postgresql://".Length..]);
        }

        if (value.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase))
        {
            return FromUrl(value["postgres://".Length..]);
        }

        if (value.Contains("://", StringComparison.Ordinal) || !value.Contains('=', StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{Redact(value)}' is not a PostgreSQL URL or connection string. " + AcceptedForms, nameof(urlOrConnectionString));
        }

        try
        {
            // Validates the keywords; the string itself passes through unchanged.
            _ = new NpgsqlConnectionStringBuilder(value);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException)
        {
            throw new ArgumentException($"Invalid Npgsql connection string: {e.Message} " + AcceptedForms, nameof(urlOrConnectionString), e);
        }

        return value;
    }

    /// <summary>A description of where the connection string points, without its password, for messages.</summary>
    public static string Describe(NpgsqlConnectionStringBuilder builder)
    {
        var host = string.IsNullOrEmpty(builder.Host) ? "localhost" : builder.Host;
        var where = host.Contains(',', StringComparison.Ordinal) || host.StartsWith('/') ? host : $"{host}:{builder.Port}";
        var database = builder.Database ?? builder.Username ?? "(default)";
        var user = builder.Username ?? "(default user)";
        return $"database '{database}' on {where} as user '{user}'";
    }

    private static string FromUrl(string rest)
    {
        string? query = null;
        var queryStart = rest.IndexOf('?', StringComparison.Ordinal);
        if (queryStart >= 0)
        {
            query = rest[(queryStart + 1)..];
            rest = rest[..queryStart];
        }

        var fragment = rest.IndexOf('#', StringComparison.Ordinal);
        if (fragment >= 0)
        {
            rest = rest[..fragment];
        }

        string authority;
        string? database = null;
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            authority = rest[..slash];
            var path = rest[(slash + 1)..];
            if (path.Length > 0)
            {
                database = Decode(path);
            }
        }
        else
        {
            authority = rest;
        }

        var builder = new NpgsqlConnectionStringBuilder();
        var at = authority.LastIndexOf('@');
        if (at >= 0)
        {
            var userInfo = authority[..at];
            authority = authority[(at + 1)..];
            var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
            var user = colon >= 0 ? userInfo[..colon] : userInfo;
            if (user.Length > 0)
            {
                builder.Username = Decode(user);
            }

            if (colon >= 0)
            {
                builder.Password = Decode(userInfo[(colon + 1)..]);
            }
        }

        if (authority.Length > 0)
        {
            SetHosts(builder, authority);
        }

        if (database is not null)
        {
            builder.Database = database;
        }

        if (query is not null)
        {
            foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                var key = Decode(eq >= 0 ? pair[..eq] : pair);
                var value = eq >= 0 ? Decode(pair[(eq + 1)..]) : string.Empty;
                SetQueryParameter(builder, key, value);
            }
        }

        return builder.ConnectionString;
    }

    // host[:port][,host[:port]...], IPv6 addresses in brackets.
    private static void SetHosts(NpgsqlConnectionStringBuilder builder, string authority)
    {
        var hosts = new List<string>();
        var ports = new List<int?>();
        foreach (var part in authority.Split(','))
        {
            string host;
            string? port = null;
            if (part.StartsWith('['))
            {
                var close = part.IndexOf(']', StringComparison.Ordinal);
                if (close < 0)
                {
                    throw new ArgumentException($"Invalid host '{part}' in the PostgreSQL URL (unclosed '['). " + AcceptedForms, "urlOrConnectionString");
                }

                host = part[1..close];
                if (close + 1 < part.Length)
                {
                    if (part[close + 1] != ':')
                    {
                        throw new ArgumentException($"Invalid host '{part}' in the PostgreSQL URL. " + AcceptedForms, "urlOrConnectionString");
                    }

                    port = part[(close + 2)..];
                }
            }
            else
            {
                var colon = part.LastIndexOf(':');
                host = colon >= 0 ? part[..colon] : part;
                port = colon >= 0 ? part[(colon + 1)..] : null;
            }

            host = Decode(host);
            int? parsedPort = null;
            if (!string.IsNullOrEmpty(port))
            {
                if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var p) || p is <= 0 or > 65535)
                {
                    throw new ArgumentException($"Invalid port '{port}' in the PostgreSQL URL. " + AcceptedForms, "urlOrConnectionString");
                }

                parsedPort = p;
            }

            hosts.Add(host.Length == 0 ? "localhost" : host);
            ports.Add(parsedPort);
        }

        if (hosts.Count == 1)
        {
            builder.Host = hosts[0];
            if (ports[0] is { } single)
            {
                builder.Port = single;
            }

            return;
        }

        // Several hosts: Npgsql takes "host:port,host:port" in Host.
        builder.Host = string.Join(',', hosts.Select((h, i) =>
            (h.Contains(':', StringComparison.Ordinal) ? $"[{h}]" : h) + (ports[i] is { } p ? ":" + p.ToString(CultureInfo.InvariantCulture) : string.Empty)));
    }

    private static void SetQueryParameter(NpgsqlConnectionStringBuilder builder, string key, string value)
    {
        switch (key.ToLowerInvariant())
        {
            case "sslmode":
                builder.SslMode = value.ToLowerInvariant() switch
                {
                    "disable" => SslMode.Disable,
                    "allow" => SslMode.Allow,
                    "prefer" => SslMode.Prefer,
                    "require" => SslMode.Require,
                    "verify-ca" => SslMode.VerifyCA,
                    "verify-full" => SslMode.VerifyFull,
                    _ => throw new ArgumentException(
                        $"Invalid sslmode '{value}' in the PostgreSQL URL; use disable, allow, prefer, require, verify-ca or verify-full.", "urlOrConnectionString"),
                };
                break;
            case "connect_timeout":
                if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var timeout) || timeout < 0)
                {
                    throw new ArgumentException($"Invalid connect_timeout '{value}' in the PostgreSQL URL; use a number of seconds.", "urlOrConnectionString");
                }

                builder.Timeout = timeout;
                break;
            case "application_name":
                builder.ApplicationName = value;
                break;
            case "sslcert":
                builder.SslCertificate = value;
                break;
            case "sslkey":
                builder.SslKey = value;
                break;
            case "sslpassword":
                builder.SslPassword = value;
                break;
            case "sslrootcert":
                builder.RootCertificate = value;
                break;
            case "options":
                builder.Options = value;
                break;
            case "target_session_attrs":
                builder["Target Session Attributes"] = value;
                break;
            case "user":
                builder.Username = value;
                break;
            case "password":
                builder.Password = value;
                break;
            case "dbname":
                builder.Database = value;
                break;
            case "host":
                SetHosts(builder, value);
                break;
            case "port":
                if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is <= 0 or > 65535)
                {
                    throw new ArgumentException($"Invalid port '{value}' in the PostgreSQL URL.", "urlOrConnectionString");
                }

                builder.Port = port;
                break;
            default:
                try
                {
                    // Npgsql's own keywords (e.g. "Pooling", "Command Timeout") are accepted too.
                    builder[key] = value;
                }
                catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException)
                {
                    throw new ArgumentException(
                        $"Unsupported parameter '{key}' in the PostgreSQL URL. Supported: sslmode, connect_timeout, application_name, sslcert, sslkey, " +
                        "sslpassword, sslrootcert, options, target_session_attrs, user, password, dbname, host, port, or an Npgsql connection string keyword.",
                        "urlOrConnectionString", e);
                }

                break;
        }
    }

    // Percent-decoding only: as in libpq, '+' is a literal plus (passwords often contain one).
    private static string Decode(string s) => Uri.UnescapeDataString(s);

    // For error messages: never echo a password.
    private static string Redact(string value)
    {
        var at = value.LastIndexOf('@');
        var sb = new StringBuilder(value.Length);
        if (at > 0)
        {
            var colon = value.IndexOf(':', value.IndexOf("//", StringComparison.Ordinal) + 2);
            if (colon > 0 && colon < at)
            {
                return sb.Append(value, 0, colon + 1).Append("***").Append(value, at, value.Length - at).ToString();
            }
        }

        return value.Contains("password", StringComparison.OrdinalIgnoreCase) ? "(value hidden: it contains a password)" : value;
    }
}
