using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text.Json;
using System.Threading.Tasks;

namespace Dbos.Benchmarks.Throughput;

/// <summary>Runs the DBOS TypeScript peer (benchmarks/peer/bench.mjs, a copy of shared/peers/dbos-ts) with Node on
/// the same PostgreSQL server, in a database of its own, one row per process so the server's counters can be read
/// per row, and parses the JSON lines it prints. Any failure becomes a note in the table, never an exception.</summary>
internal sealed class Peer(Options options, PostgresServer server)
{
    public const string Database = "dbos_bench_peer";

    /// <summary>Null when the peer can run; else why not.</summary>
    public string? Unavailable { get; private set; }

    public string? Version { get; private set; }

    public async Task PrepareAsync()
    {
        var dir = options.PeerDirectory;
        if (!File.Exists(Path.Combine(dir, "bench.mjs")))
        {
            Unavailable = $"peer not found ({dir}/bench.mjs)";
            return;
        }

        var node = await RunAsync("node", ["--version"], dir, new(), TimeSpan.FromSeconds(30));
        if (node.ExitCode != 0)
        {
            Unavailable = "Node.js not available";
            return;
        }

        Version = "node " + node.Output.Trim();
        var sdk = Path.Combine(dir, "node_modules", "@dbos-inc", "dbos-sdk", "package.json");
        if (!File.Exists(sdk))
        {
            Console.Error.WriteLine("peer: npm install (first run) ...");
            var install = await RunAsync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], dir, new(), TimeSpan.FromMinutes(10));
            if (install.ExitCode != 0 || !File.Exists(sdk))
            {
                Unavailable = "npm install failed: " + LastLine(install.Output);
                return;
            }
        }

        using (var doc = JsonDocument.Parse(await File.ReadAllTextAsync(sdk)))
        {
            Version += ", @dbos-inc/dbos-sdk " + doc.RootElement.GetProperty("version").GetString();
        }

        await server.RecreateDatabaseAsync(Database);
    }

    /// <summary>Runs bench.mjs with ONLY=row; returns the peer's values for that row (and its launch time), with the
    /// server's commits for the row when <paramref name="launchOnly"/> is known.</summary>
    public async Task<Side> RunRowAsync(string row, DbCounters? launchOnly, int workflows)
    {
        if (Unavailable is { } why)
        {
            return Side.Missing(why);
        }

        var env = new Dictionary<string, string>
        {
            ["DBOS_SYSTEM_DATABASE_URL"] = server.Url(Database),
            ["ONLY"] = row,
            ["SEQ"] = options.Seq.ToString(CultureInfo.InvariantCulture),
            ["CONC"] = options.Conc.ToString(CultureInfo.InvariantCulture),
            ["LAT"] = options.Lat.ToString(CultureInfo.InvariantCulture),
            ["PINGS"] = options.Pings.ToString(CultureInfo.InvariantCulture),
            ["QUEUED"] = options.Queued.ToString(CultureInfo.InvariantCulture),
            ["QCONC"] = options.QueueConcurrency.ToString(CultureInfo.InvariantCulture),
            ["QLAT"] = options.QueueLat.ToString(CultureInfo.InvariantCulture),
            ["WAITERS"] = (options.PeerWaiters).ToString(CultureInfo.InvariantCulture),
        };
        var before = await server.CountersAsync(Database);
        var timeout = row == "waiters" ? TimeSpan.FromMinutes(30) : TimeSpan.FromMinutes(5);
        var run = await RunAsync("node", ["bench.mjs"], options.PeerDirectory, env, timeout);
        var after = await server.CountersAsync(Database);
        Side? result = null;
        foreach (var line in run.Output.Split('\n'))
        {
            var text = line.Trim();
            if (!text.StartsWith('{'))
            {
                continue;
            }

            try
            {
                using var doc = JsonDocument.Parse(text);
                if (!doc.RootElement.TryGetProperty("row", out var r) || r.GetString() != (row == "none" ? "launch" : row))
                {
                    continue;
                }

                result = new Side();
                foreach (var property in doc.RootElement.EnumerateObject())
                {
                    if (property.Value.ValueKind == JsonValueKind.Number)
                    {
                        result.Values[property.Name] = property.Value.GetDouble();
                    }
                }
            }
            catch (JsonException)
            {
            }
        }

        if (result is null)
        {
            return Side.Missing(run.TimedOut ? $"peer timed out after {timeout.TotalMinutes} min" : $"peer failed (exit {run.ExitCode}): {LastLine(run.Output)}");
        }

        var delta = after - before;
        result.Values["tx_total"] = delta.Transactions;
        if (launchOnly is { } launch && workflows > 0)
        {
            result.Values["tx_per_wf"] = (delta.Transactions - launch.Transactions) / (double)workflows;
            result.Values["rows_per_wf"] = (delta.RowsWritten - launch.RowsWritten) / (double)workflows;
        }

        return result;
    }

    /// <summary>Launch only (ONLY=none): the peer's fixed start-up cost in commits, subtracted from each row's.</summary>
    public async Task<(Side Launch, DbCounters Counters)> RunLaunchOnlyAsync()
    {
        if (Unavailable is { } why)
        {
            return (Side.Missing(why), default);
        }

        // Launch twice: the first run migrates the fresh database, the second is what every row pays.
        await RunRowAsync("none", null, 0);
        var before = await server.CountersAsync(Database);
        var side = await RunRowAsync("none", null, 0);
        var after = await server.CountersAsync(Database);
        return (side, after - before);
    }

    private static string LastLine(string output)
    {
        var lines = output.Trim().Split('\n');
        return lines.Length == 0 ? string.Empty : lines[^1].Trim();
    }

    internal sealed record ProcessResult(int ExitCode, string Output, bool TimedOut);

    internal static async Task<ProcessResult> RunAsync(string file, string[] args, string directory, Dictionary<string, string> env, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(file)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in env)
        {
            info.Environment[key] = value;
        }

        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return new ProcessResult(-1, e.Message, false);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            var exited = process.WaitForExitAsync();
            var timedOut = await Task.WhenAny(exited, Task.Delay(timeout)) != exited;
            if (timedOut)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }

            return new ProcessResult(timedOut ? -1 : process.ExitCode, await stdout + await stderr, timedOut);
        }
    }
}
