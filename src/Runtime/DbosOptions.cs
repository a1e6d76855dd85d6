using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Dbos.Serialization;
using Microsoft.Extensions.Logging;

namespace Dbos;

/// <summary>Settings of a DBOS runtime. Only <see cref="SystemDatabaseUrl"/> usually needs setting.</summary>
public sealed partial class DbosOptions
{
    /// <summary>The file used when neither <see cref="SystemDatabaseUrl"/> nor <see cref="SystemDatabaseUrlVariable"/> is set.</summary>
    public const string DefaultSqliteFile = "dbos_system.sqlite";

    /// <summary>The environment variable DBOS reads the system database URL from when <see cref="SystemDatabaseUrl"/> is not set.</summary>
    public const string SystemDatabaseUrlVariable = "DBOS_SYSTEM_DATABASE_URL";

    /// <summary>
    /// Where the system database is: a DBOS-style <c>postgresql://user:password@host:port/database</c> URL, an
    /// Npgsql connection string (<c>Host=...;Database=...</c>), <c>sqlite:///relative/path</c> or <c>sqlite:////absolute/path</c>
    /// (as in DBOS Python), a SQLite connection string (<c>Data Source=...</c>) or a SQLite file path. When not set, the
    /// environment variable <c>DBOS_SYSTEM_DATABASE_URL</c> (as in DBOS), else the SQLite file <c>dbos_system.sqlite</c> in
    /// the working directory.
    /// </summary>
    public string? SystemDatabaseUrl { get; set; }

    /// <summary>The application's name; stored as <c>application_name</c> when set. Null leaves rows unclaimed, as DBOS does.</summary>
    public string? ApplicationName { get; set; }

    /// <summary>This process's executor ID. Defaults to the environment variable <c>DBOS__VMID</c>, else <c>local</c>.
    /// Recovery at start resumes the PENDING workflows of this executor ID.</summary>
    public string? ExecutorId { get; set; }

    /// <summary>The application version. Defaults to <c>DBOS__APPVERSION</c>, else a hash of the registered workflows'
    /// names and source, so a code change to a workflow makes a new version.</summary>
    public string? ApplicationVersion { get; set; }

    /// <summary>The PostgreSQL schema of the system tables (DBOS's default is <c>dbos</c>).</summary>
    public string SystemDatabaseSchema { get; set; } = "dbos";

    /// <summary>Maximum pooled connections to a PostgreSQL system database.</summary>
    public int SystemDatabasePoolSize { get; set; } = 20;

    /// <summary>Whether start-up creates or upgrades the system database schema.</summary>
    public bool RunMigrations { get; set; } = true;

    /// <summary>Whether start-up resumes this executor's PENDING workflows.</summary>
    public bool RecoverPendingWorkflows { get; set; } = true;

    /// <summary>Whether this process fires schedules: the <c>[Scheduled]</c> workflows and the schedules stored in the system database.
    /// Any number of processes may fire them (a tick runs once); turn it off in processes that should only serve requests or tools.</summary>
    public bool RunSchedules { get; set; } = true;

    /// <summary>How often the schedules stored in the system database are read again (DBOS's default is 30 s). Changes made through this
    /// runtime (<see cref="DBOS.CreateScheduleAsync"/>, pause, resume, delete) are seen at once.</summary>
    public TimeSpan SchedulerPollingInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Whether this process takes over, while it runs, the PENDING workflows of other processes of this SDK that are
    /// provably gone (their liveness lock is free), when it runs the same application version and has the workflows registered.
    /// Exactly one live process claims each. Workflows owned by DBOS TypeScript/Python executors are never taken over: they hold
    /// no such lock, so their liveness cannot be proved (docs/queues.md, "Many executors and takeover").</summary>
    public bool TakeOverDeadExecutors { get; set; } = true;

    /// <summary>How often this process looks for workflows of dead executors to take over (with up to a fifth of jitter);
    /// the default is 10 seconds.</summary>
    public TimeSpan TakeoverInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long to try reaching the system database at start before failing: a PostgreSQL server that is not up yet
    /// (refusing connections, or still starting) is retried with backoff until then, with a logged warning per wait.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long shutdown waits for running workflows to reach a checkpoint; the rest are left to recovery.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Options for the default portable JSON serializer (ignored when <see cref="Serializer"/> is set).</summary>
    public JsonSerializerOptions? JsonSerializerOptions { get; set; }

    /// <summary>Where the portable JSON serializer finds metadata of types besides the built-in ones, e.g. a
    /// <see cref="System.Text.Json.Serialization.JsonSerializerContext"/> of another assembly. Native AOT apps need it for
    /// every type they pass; the contexts declared in assemblies with workflows are found without it (docs/aot.md).</summary>
    public IList<IJsonTypeInfoResolver> JsonTypeInfoResolvers { get; } = new List<IJsonTypeInfoResolver>();

    /// <summary>A serializer to use instead of portable JSON. Rows it writes carry its <see cref="IDbosSerializer.Name"/>;
    /// other DBOS clients can read only <c>portable_json</c> rows.</summary>
    public IDbosSerializer? Serializer { get; set; }

    /// <summary>The clock used for step retry intervals and other waits. Tests can pass a fake one.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Logging for the runtime; with <c>AddDbos</c> the application's logger factory is used.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>Set by the Dbos.Testing package's test environment; null otherwise.</summary>
    internal Internal.ExecutionHooks? Hooks { get; set; }

    /// <summary>The copy a runtime keeps: checked (<see cref="ArgumentException"/> naming the bad setting), with the system
    /// database URL resolved (the option, <c>DBOS_SYSTEM_DATABASE_URL</c>, else <see cref="DefaultSqliteFile"/>).</summary>
    internal DbosOptions ResolveForRuntime()
    {
        var failures = DbosOptionsValidator.Check(this, configurationPath: null);
        if (failures.Count > 0)
        {
            // ParamName is the bad property when there is one (DbosOptions.SystemDatabaseUrl is the usual one).
            throw new ArgumentException(
                "Invalid DBOS settings: " + string.Join(" ", failures.Select(f => f.Message)),
                failures.Count == 1 ? failures[0].Property : "options");
        }

        var copy = (DbosOptions)MemberwiseClone();
        copy.SystemDatabaseUrl = EffectiveSystemDatabaseUrl();
        return copy;
    }

    internal string EffectiveSystemDatabaseUrl()
    {
        if (!string.IsNullOrWhiteSpace(SystemDatabaseUrl))
        {
            return SystemDatabaseUrl.Trim();
        }

        return Environment.GetEnvironmentVariable(SystemDatabaseUrlVariable) is { } url && !string.IsNullOrWhiteSpace(url) ? url.Trim() : DefaultSqliteFile;
    }
}
