using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Dbos;

/// <summary>
/// Applies a configuration section (<c>"Dbos": { "SystemDatabaseUrl": ... }</c>) to <see cref="DbosOptions"/>: the keys are
/// the option names, case-insensitive; values are invariant-culture text (durations as <c>hh:mm:ss</c>, never a bare number). Only keys present
/// change an option. An unknown key or a value that does not parse fails with its full key, so a typo is not ignored; keys
/// that an environment variable <c>DBOS__NAME</c> puts there (DBOS's <c>DBOS__VMID</c>, <c>DBOS__APPVERSION</c>) are left to the
/// runtime, which reads those variables itself.
/// Reads the keys itself (no reflection binder), so trimmed and AOT apps bind the same way.
/// </summary>
internal sealed class DbosOptionsConfiguration(IConfiguration configuration) : IConfigureOptions<DbosOptions>
{
    private delegate bool Apply(DbosOptions options, string value);

    // Every setting configuration may set (docs/configuration.md lists them); the others (serializer, clock, logger
    // factory, application database) are objects that only code can provide.
    private static readonly Dictionary<string, (string Expected, Apply Apply)> Settings = new(StringComparer.OrdinalIgnoreCase)
    {
        [nameof(DbosOptions.SystemDatabaseUrl)] = ("a URL or connection string", (o, v) => Set(() => o.SystemDatabaseUrl = v)),
        [nameof(DbosOptions.ApplicationName)] = ("a name", (o, v) => Set(() => o.ApplicationName = v)),
        [nameof(DbosOptions.ExecutorId)] = ("an ID", (o, v) => Set(() => o.ExecutorId = v)),
        [nameof(DbosOptions.ApplicationVersion)] = ("a version", (o, v) => Set(() => o.ApplicationVersion = v)),
        [nameof(DbosOptions.SystemDatabaseSchema)] = ("a schema name", (o, v) => Set(() => o.SystemDatabaseSchema = v)),
        [nameof(DbosOptions.SystemDatabasePoolSize)] = ("a whole number", (o, v) => int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && Set(() => o.SystemDatabasePoolSize = n)),
        [nameof(DbosOptions.RunMigrations)] = ("true or false", (o, v) => bool.TryParse(v, out var b) && Set(() => o.RunMigrations = b)),
        [nameof(DbosOptions.RecoverPendingWorkflows)] = ("true or false", (o, v) => bool.TryParse(v, out var b) && Set(() => o.RecoverPendingWorkflows = b)),
        [nameof(DbosOptions.TakeOverDeadExecutors)] = ("true or false", (o, v) => bool.TryParse(v, out var b) && Set(() => o.TakeOverDeadExecutors = b)),
        [nameof(DbosOptions.TakeoverInterval)] = ("a duration such as 00:00:10", (o, v) => TryParseDuration(v, out var t) && Set(() => o.TakeoverInterval = t)),
        [nameof(DbosOptions.ConnectTimeout)] = ("a duration such as 00:00:15", (o, v) => TryParseDuration(v, out var t) && Set(() => o.ConnectTimeout = t)),
        [nameof(DbosOptions.ShutdownTimeout)] = ("a duration such as 00:00:10", (o, v) => TryParseDuration(v, out var t) && Set(() => o.ShutdownTimeout = t)),
        [nameof(DbosOptions.RunSchedules)] = ("true or false", (o, v) => bool.TryParse(v, out var b) && Set(() => o.RunSchedules = b)),
        [nameof(DbosOptions.SchedulerPollingInterval)] = ("a duration such as 00:00:30", (o, v) => TryParseDuration(v, out var t) && Set(() => o.SchedulerPollingInterval = t)),
    };

    /// <summary>The keys configuration may set, in declaration order.</summary>
    internal static IEnumerable<string> Keys => Settings.Keys;

    /// <summary>Where the keys are (<c>Dbos</c> for <c>GetSection("Dbos")</c>), for messages; null for a root configuration.</summary>
    internal static string? PathOf(IConfiguration configuration) => configuration is IConfigurationSection { Path.Length: > 0 } section ? section.Path : null;

    public void Configure(DbosOptions options)
    {
        var path = PathOf(configuration);
        var failures = new List<string>();
        foreach (var child in configuration.GetChildren())
        {
            var key = path is null ? child.Key : path + ":" + child.Key;
            if (!Settings.TryGetValue(child.Key, out var setting))
            {
                if (IsDbosEnvironmentVariable(child.Key))
                {
                    continue; // DBOS__VMID or DBOS__APPVERSION (read by the runtime itself) seen through the environment provider
                }

                failures.Add($"{key} is not a DBOS setting; the settings are {string.Join(", ", Settings.Keys)}.");
            }
            else if (child.Value is null)
            {
                failures.Add($"{key} has no value: set it to {setting.Expected}.");
            }
            else if (!setting.Apply(options, child.Value.Trim()))
            {
                failures.Add($"{key} is '{child.Value}', which is not {setting.Expected}.");
            }
        }

        if (failures.Count > 0)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(DbosOptions), failures);
        }
    }

    /// <summary>A TimeSpan with its colons: TimeSpan.Parse reads a bare "15" as 15 days, never what a timeout means.</summary>
    private static bool TryParseDuration(string value, out TimeSpan duration)
    {
        duration = default;
        return value.Contains(':', StringComparison.Ordinal) && TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out duration);
    }

    private static bool IsDbosEnvironmentVariable(string key)
        => Environment.GetEnvironmentVariable("DBOS__" + key) is not null || Environment.GetEnvironmentVariable("Dbos__" + key) is not null
            || Environment.GetEnvironmentVariable("dbos__" + key) is not null;

    private static bool Set(Action assign)
    {
        assign();
        return true;
    }
}
