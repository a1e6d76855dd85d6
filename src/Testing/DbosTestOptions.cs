using System;
using System.Collections.Generic;
using Microsoft.Extensions.DependencyInjection;

namespace Dbos.Testing;

/// <summary>Settings of a <see cref="DbosTestEnvironment"/>: the database, the services workflows are resolved from, the
/// runtime's settings and the clock.</summary>
public sealed class DbosTestOptions
{
    private readonly List<Action<DbosOptions>> _configureDbos = new();

    /// <summary>The services the workflow classes are resolved from: register the fakes a test replaces real dependencies with
    /// here. Every runtime of the environment (a restart or a recovery after a simulated crash makes a new one) gets its own
    /// service provider built from this collection, as a new process would; register an instance to share it across them.</summary>
    public IServiceCollection Services { get; } = new ServiceCollection();

    /// <summary>A PostgreSQL server (<c>postgresql://user:password@host:port/postgres</c> or an Npgsql connection string) on
    /// which the environment creates a fresh database and drops it when disposed. Null (the default): a fresh SQLite file in
    /// a temporary folder, deleted when disposed.</summary>
    public string? PostgresServerUrl { get; set; }

    /// <summary>Where the fake clock starts; null (the default) is the real time at start, to the millisecond.</summary>
    public DateTimeOffset? StartTime { get; set; }

    /// <summary>Whether the clock jumps to the next timer whenever every running workflow waits on time and a caller waits
    /// for a workflow's outcome (default true). See <see cref="DbosTestClock.AutoSkip"/>.</summary>
    public bool AutoSkipTime { get; set; } = true;

    /// <summary>Adds settings for each runtime of the environment (queues, application version, serializer, ...). The
    /// environment sets the system database, the clock and a zero shutdown timeout itself.</summary>
    public DbosTestOptions ConfigureDbos(Action<DbosOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        _configureDbos.Add(configure);
        return this;
    }

    /// <summary>Uses <paramref name="serverUrl"/> as <see cref="PostgresServerUrl"/>.</summary>
    public DbosTestOptions UsePostgres(string serverUrl)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(serverUrl);
        PostgresServerUrl = serverUrl;
        return this;
    }

    internal void ApplyTo(DbosOptions options)
    {
        foreach (var configure in _configureDbos)
        {
            configure(options);
        }
    }
}
