using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;

namespace Dbos.Benchmarks.Throughput;

/// <summary>The raw database floor: single-row INSERT transactions per second into a scratch table, from 1 and from
/// 8 clients, with an Npgsql loop on prepared statements and with pgbench. A durable workflow needs at least one such
/// commit per checkpoint, so these bound what any workflow engine on this server can do.</summary>
internal static partial class Floor
{
    public const string Database = "dbos_bench_floor";
    private const string Table = "bench_floor";

    public static async Task PrepareAsync(PostgresServer server)
    {
        await server.RecreateDatabaseAsync(Database);
        await using var connection = new NpgsqlConnection(server.ConnectionString(Database, 2));
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand(
            $"CREATE TABLE {Table} (id bigserial PRIMARY KEY, client int NOT NULL, payload text NOT NULL, created_at bigint NOT NULL)", connection);
        await create.ExecuteNonQueryAsync();
    }

    /// <summary>Each client owns one connection and repeats one prepared INSERT (its own autocommit transaction).</summary>
    public static async Task<Side> NpgsqlInsertsAsync(PostgresServer server, int clients, double seconds)
    {
        var connectionString = server.ConnectionString(Database, clients + 1);
        var connections = new NpgsqlConnection[clients];
        var commands = new NpgsqlCommand[clients];
        for (var c = 0; c < clients; c++)
        {
            connections[c] = new NpgsqlConnection(connectionString);
            await connections[c].OpenAsync();
            commands[c] = new NpgsqlCommand($"INSERT INTO {Table} (client, payload, created_at) VALUES ($1, $2, $3)", connections[c]);
            commands[c].Parameters.Add(new NpgsqlParameter<int> { TypedValue = c });
            commands[c].Parameters.Add(new NpgsqlParameter<string> { TypedValue = "r12" });
            commands[c].Parameters.Add(new NpgsqlParameter<long> { TypedValue = 0 });
            await commands[c].PrepareAsync();
        }

        try
        {
            using var stop = new CancellationTokenSource();
            var counts = new long[clients];
            var clock = Stopwatch.StartNew();
            stop.CancelAfter(TimeSpan.FromSeconds(seconds));
            await Task.WhenAll(Enumerable.Range(0, clients).Select(async c =>
            {
                var command = commands[c];
                while (!stop.IsCancellationRequested)
                {
                    ((NpgsqlParameter<long>)command.Parameters[2]).TypedValue = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                    await command.ExecuteNonQueryAsync();
                    counts[c]++;
                }
            }));
            var elapsed = clock.Elapsed.TotalSeconds;
            var side = new Side();
            side.Values["clients"] = clients;
            side.Values["transactions"] = counts.Sum();
            side.Values["per_s"] = counts.Sum() / elapsed;
            return side;
        }
        finally
        {
            for (var c = 0; c < clients; c++)
            {
                await commands[c].DisposeAsync();
                await connections[c].DisposeAsync();
            }
        }
    }

    public static string? FindPgbench()
    {
        var candidates = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").OrderByDescending(d => d, StringComparer.Ordinal).Select(d => Path.Combine(d, "bin", "pgbench"))
            : Enumerable.Empty<string>();
        return candidates.Append("/usr/bin/pgbench").FirstOrDefault(File.Exists);
    }

    /// <summary>pgbench with a one-statement custom script, prepared protocol, no vacuum; its "tps" line.</summary>
    public static async Task<Side> PgbenchAsync(PostgresServer server, int clients, double seconds)
    {
        var pgbench = FindPgbench();
        if (pgbench is null)
        {
            return Side.Missing("pgbench not installed");
        }

        var script = Path.Combine(Path.GetTempPath(), $"dbos-bench-floor-{Environment.ProcessId}.sql");
        await File.WriteAllTextAsync(script, $"INSERT INTO {Table} (client, payload, created_at) VALUES (:client_id, 'r12', 0);\n");
        try
        {
            var info = new ProcessStartInfo(pgbench)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var arg in new[]
            {
                "-n", "-M", "prepared", "-f", script, "-c", clients.ToString(CultureInfo.InvariantCulture),
                "-j", Math.Min(clients, Environment.ProcessorCount).ToString(CultureInfo.InvariantCulture),
                "-T", Math.Max(1, (int)Math.Round(seconds)).ToString(CultureInfo.InvariantCulture),
                "-h", server.Host, "-p", server.Port.ToString(CultureInfo.InvariantCulture), "-U", server.User, Database,
            })
            {
                info.ArgumentList.Add(arg);
            }

            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            var output = await stdout + await stderr;
            var match = TpsLine().Match(output);
            if (process.ExitCode != 0 || !match.Success)
            {
                return Side.Missing($"pgbench failed (exit {process.ExitCode}): {output.Trim().Split('\n').LastOrDefault()}");
            }

            var side = new Side();
            side.Values["clients"] = clients;
            side.Values["per_s"] = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            return side;
        }
        finally
        {
            File.Delete(script);
        }
    }

    [GeneratedRegex(@"tps = ([0-9.]+) \(without initial connection time\)")]
    private static partial Regex TpsLine();
}
