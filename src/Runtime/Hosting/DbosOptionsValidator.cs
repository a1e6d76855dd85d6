using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using Dbos.SystemDatabase;
using Dbos.SystemDatabase.Postgres;
using Microsoft.Extensions.Options;

namespace Dbos;

/// <summary>
/// Checks <see cref="DbosOptions"/> before a runtime uses them: with a host at start (<c>ValidateOnStart</c>), without one
/// in the <see cref="DbosRuntime"/> constructor. Each failure names the setting: its configuration key
/// (<c>Dbos:SystemDatabasePoolSize</c>) when the options came from a configuration section, else the property.
/// </summary>
internal sealed class DbosOptionsValidator(string? configurationPath) : IValidateOptions<DbosOptions>
{
    public ValidateOptionsResult Validate(string? name, DbosOptions options)
    {
        var failures = Check(options, configurationPath);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures.Select(f => f.Message));
    }

    /// <summary>Each bad setting: the property and a message that starts with its key.</summary>
    public static List<(string Property, string Message)> Check(DbosOptions options, string? configurationPath)
    {
        var failures = new List<(string Property, string Message)>();
        string Key(string property) => configurationPath is null ? "DbosOptions." + property : configurationPath + ":" + property;
        void Fail(string property, string message) => failures.Add((property, message));

        if (!string.IsNullOrWhiteSpace(options.SystemDatabaseUrl))
        {
            var setting = options.SystemDatabaseUrl.Trim();
            try
            {
                SystemDatabaseFactory.RejectUnknownScheme(setting);
                if (SystemDatabaseFactory.IsPostgres(setting))
                {
                    PostgresConnectionStrings.Normalize(setting);
                }
                else
                {
                    SystemDatabaseFactory.SqlitePath(setting);
                }
            }
            catch (ArgumentException e)
            {
                Fail(nameof(DbosOptions.SystemDatabaseUrl), $"{Key(nameof(DbosOptions.SystemDatabaseUrl))}: {Unwrap(e, nameof(DbosOptions.SystemDatabaseUrl))}");
            }
        }

        if (string.IsNullOrWhiteSpace(options.SystemDatabaseSchema))
        {
            Fail(nameof(DbosOptions.SystemDatabaseSchema), $"{Key(nameof(DbosOptions.SystemDatabaseSchema))} is empty: name the PostgreSQL schema of the system tables (DBOS's default is 'dbos').");
        }
        else
        {
            try
            {
                PostgresSchema.QuoteIdentifier(options.SystemDatabaseSchema);
            }
            catch (ArgumentException e)
            {
                Fail(nameof(DbosOptions.SystemDatabaseSchema), $"{Key(nameof(DbosOptions.SystemDatabaseSchema))}: {Unwrap(e, nameof(DbosOptions.SystemDatabaseSchema))}");
            }
        }

        if (options.SystemDatabasePoolSize < 1)
        {
            Fail(nameof(DbosOptions.SystemDatabasePoolSize), $"{Key(nameof(DbosOptions.SystemDatabasePoolSize))} is {options.SystemDatabasePoolSize.ToString(CultureInfo.InvariantCulture)}: it must be at least 1 (the default is 20).");
        }

        if (options.ConnectTimeout <= TimeSpan.Zero)
        {
            Fail(nameof(DbosOptions.ConnectTimeout), $"{Key(nameof(DbosOptions.ConnectTimeout))} is {options.ConnectTimeout.ToString("c", CultureInfo.InvariantCulture)}: it must be positive (the default is 00:00:15).");
        }

        if (options.SchedulerPollingInterval <= TimeSpan.Zero)
        {
            Fail(nameof(DbosOptions.SchedulerPollingInterval), $"{Key(nameof(DbosOptions.SchedulerPollingInterval))} is {options.SchedulerPollingInterval.ToString("c", CultureInfo.InvariantCulture)}: it must be positive (the default is 00:00:30).");
        }

        if (options.ShutdownTimeout < TimeSpan.Zero && options.ShutdownTimeout != Timeout.InfiniteTimeSpan)
        {
            Fail(nameof(DbosOptions.ShutdownTimeout), $"{Key(nameof(DbosOptions.ShutdownTimeout))} is {options.ShutdownTimeout.ToString("c", CultureInfo.InvariantCulture)}: it must be zero or more (the default is 00:00:10).");
        }

        if (options.TakeoverInterval <= TimeSpan.Zero)
        {
            Fail(nameof(DbosOptions.TakeoverInterval), $"{Key(nameof(DbosOptions.TakeoverInterval))} is {options.TakeoverInterval.ToString("c", CultureInfo.InvariantCulture)}: it must be positive (the default is 00:00:10); set TakeOverDeadExecutors to false to turn takeover off.");
        }

        if (options.TimeProvider is null)
        {
            Fail(nameof(DbosOptions.TimeProvider), $"DbosOptions.{nameof(DbosOptions.TimeProvider)} is null: leave it at TimeProvider.System or set a clock.");
        }

        return failures;
    }

    /// <summary>The message without the " (Parameter 'x')" of an internal parameter and without naming the property again
    /// (the failure starts with its key).</summary>
    private static string Unwrap(ArgumentException e, string property)
    {
        var message = e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", string.Empty, StringComparison.Ordinal);
        return message.Replace($" (DbosOptions.{property})", string.Empty, StringComparison.Ordinal);
    }
}
