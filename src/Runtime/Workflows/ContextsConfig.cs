using System;
using System.Text.RegularExpressions;

namespace Dbos;

/// <summary>
/// The effective, read-only configuration of a DBOS runtime (<see cref="DBOS.Config"/>): the settings it was created with,
/// after defaults, plus the executor ID and application version it resolved. The system database password is hidden.
/// </summary>
public sealed partial class DbosConfig
{
    private readonly DbosRuntime _runtime;

    internal DbosConfig(DbosRuntime runtime) => _runtime = runtime;

    /// <summary>The system database URL or connection string, with any password replaced by <c>***</c>;
    /// <see cref="DbosOptions.DefaultSqliteFile"/> when none was set.</summary>
    public string SystemDatabaseUrl => Redact(_runtime.Options.SystemDatabaseUrl ?? DbosOptions.DefaultSqliteFile);

    /// <summary>The PostgreSQL schema of the system tables.</summary>
    public string SystemDatabaseSchema => _runtime.Options.SystemDatabaseSchema;

    /// <summary>Maximum pooled connections to a PostgreSQL system database.</summary>
    public int SystemDatabasePoolSize => _runtime.Options.SystemDatabasePoolSize;

    /// <summary>The application's name, or null.</summary>
    public string? ApplicationName => _runtime.Options.ApplicationName;

    /// <summary>This process's executor ID, as resolved (option, <c>DBOS__VMID</c>, else <c>local</c>).</summary>
    public string ExecutorId => _runtime.ExecutorId;

    /// <summary>The application version, as resolved (option, <c>DBOS__APPVERSION</c>, else computed at start).</summary>
    public string ApplicationVersion => _runtime.ApplicationVersion;

    /// <summary>Whether start-up migrates the system database.</summary>
    public bool RunMigrations => _runtime.Options.RunMigrations;

    /// <summary>Whether start-up resumes this executor's pending workflows.</summary>
    public bool RecoverPendingWorkflows => _runtime.Options.RecoverPendingWorkflows;

    /// <summary>How long start-up tries to reach the system database.</summary>
    public TimeSpan ConnectTimeout => _runtime.Options.ConnectTimeout;

    /// <summary>How long shutdown waits for running workflows.</summary>
    public TimeSpan ShutdownTimeout => _runtime.Options.ShutdownTimeout;

    /// <summary>The name stored in the <c>serialization</c> column of the values this runtime writes.</summary>
    public string Serialization => _runtime.Serializer.Name;

    public override string ToString()
        => $"system database {SystemDatabaseUrl}, executor {ExecutorId}, application version {ApplicationVersion}" +
           (ApplicationName is null ? string.Empty : $", application {ApplicationName}");

    /// <summary>Hides the password of a <c>scheme://user:password@host</c> URL or a <c>Password=...</c> connection string.</summary>
    internal static string Redact(string url)
    {
        var redacted = UrlPassword().Replace(url, "$1***@");
        return KeywordPassword().Replace(redacted, "$1***");
    }

    [GeneratedRegex(@"^([a-zA-Z][a-zA-Z0-9+.-]*://[^:/@]*:)[^@]*@")]
    private static partial Regex UrlPassword();

    [GeneratedRegex(@"((?:^|;)\s*(?:password|pwd)\s*=\s*)[^;]*", RegexOptions.IgnoreCase)]
    private static partial Regex KeywordPassword();
}
