using System;
using System.IO;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Dbos.Internal;

/// <summary>Retries system database calls through transient failures (the server restarting, a dropped
/// connection, a locked SQLite file), with capped exponential backoff, until they succeed or the runtime stops.
/// Every call retried here is idempotent: inserts use ON CONFLICT, outcome writes are conditional.</summary>
internal static class DbRetry
{
    private static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(5);

    public static async Task<T> RunAsync<T>(DbosRuntime runtime, string operation, Func<CancellationToken, Task<T>> call)
    {
        var delay = FirstDelay;
        for (var attempt = 1; ; attempt++)
        {
            var token = runtime.StoppingToken;
            try
            {
                return await call(token).ConfigureAwait(false);
            }
            catch (Exception e) when (IsTransient(e) && !token.IsCancellationRequested)
            {
                runtime.Logger.LogWarning(e, "System database call {Operation} failed (attempt {Attempt}); retrying in {Delay} ms.", operation, attempt, (int)delay.TotalMilliseconds);
                await Task.Delay(delay, runtime.Options.TimeProvider, token).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(MaxDelay.Ticks, delay.Ticks * 2));
            }
        }
    }

    public static async Task RunAsync(DbosRuntime runtime, string operation, Func<CancellationToken, Task> call)
        => await RunAsync<bool>(runtime, operation, async token =>
        {
            await call(token).ConfigureAwait(false);
            return true;
        }).ConfigureAwait(false);

    public static bool IsTransient(Exception e) => e switch
    {
        PostgresException pg => pg.IsTransient || pg.SqlState is "57P01" or "57P02" or "57P03" or "08000" or "08003" or "08006" or "53300" or "40001" or "40P01",
        NpgsqlException npgsql => npgsql.IsTransient || npgsql.InnerException is IOException or SocketException or TimeoutException,
        SqliteException sqlite => sqlite.SqliteErrorCode is 5 or 6, // SQLITE_BUSY, SQLITE_LOCKED
        IOException or SocketException or TimeoutException => true,
        _ => false,
    };
}
