using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;

namespace Dbos.Interop.Tests;

/// <summary>
/// The DBOS TypeScript side of an interop test: node/peer.mjs, running DBOS TypeScript 5.3 (a launched app with the
/// TypeScript workflows, and a DBOSClient) on the test's database, driven over stdin/stdout.
/// </summary>
public sealed class NodePeer : IAsyncDisposable
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(60);
    private static readonly SemaphoreSlim InstallGate = new(1, 1);
    private static string? s_installed;

    private readonly Process _process;
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonElement>> _calls = new();
    private readonly Queue<string> _log = new();
    private int _nextId;

    private NodePeer(Process process) => _process = process;

    /// <summary>The folder with peer.mjs and its node_modules, installed once per machine and lock file (<c>npm ci</c>);
    /// the test is ignored, with the reason, when Node.js 20+ or npm is missing.</summary>
    public static async Task<string> EnsureInstalledAsync()
    {
        await InstallGate.WaitAsync();
        try
        {
            if (s_installed is not null)
            {
                return s_installed;
            }

            var node = await RunAsync("node", "--version", AppContext.BaseDirectory);
            if (node is null)
            {
                Ignore("Node.js is not installed (the interop tests run DBOS TypeScript 5.3 with it): install Node.js 20 or later and npm, e.g. apt-get install nodejs npm.");
            }

            if (!Version.TryParse(node!.Output.Trim().TrimStart('v'), out var version) || version.Major < 20)
            {
                Ignore($"Node.js {node.Output.Trim()} is too old for DBOS TypeScript 5.3, which needs Node.js 20 or later.");
            }

            if (await RunAsync("npm", "--version", AppContext.BaseDirectory) is null)
            {
                Ignore("npm is not installed (the interop tests install @dbos-inc/dbos-sdk@5.3.0 with it): install npm, e.g. apt-get install npm.");
            }

            var folder = Path.Combine(AppContext.BaseDirectory, "node");
            var lockHash = Convert.ToHexString(SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(folder, "package-lock.json"))));
            var stamp = Path.Combine(folder, "node_modules", ".installed-from-lock");
            if (!File.Exists(stamp) || await File.ReadAllTextAsync(stamp) != lockHash)
            {
                TestContext.Progress.WriteLine("Interop: installing @dbos-inc/dbos-sdk@5.3.0 (npm ci) into " + folder);
                var install = await RunAsync("npm", "ci --no-audit --no-fund --loglevel=error", folder, TimeSpan.FromMinutes(5));
                if (install is not { ExitCode: 0 })
                {
                    throw new InvalidOperationException($"npm ci failed in {folder}:\n{install?.Output}");
                }

                await File.WriteAllTextAsync(stamp, lockHash);
            }

            return s_installed = folder;
        }
        finally
        {
            InstallGate.Release();
        }
    }

    private static void Ignore(string reason)
    {
        TestContext.Progress.WriteLine("Interop tests skipped: " + reason);
        Assert.Ignore(reason);
    }

    /// <summary>Starts the peer on the database and waits until DBOS TypeScript has launched.</summary>
    public static async Task<NodePeer> StartAsync(string databaseUrl)
    {
        var folder = await EnsureInstalledAsync();
        var info = new ProcessStartInfo("node")
        {
            WorkingDirectory = folder,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardInputEncoding = new UTF8Encoding(false),
            StandardOutputEncoding = Encoding.UTF8,
        };
        info.ArgumentList.Add("peer.mjs");
        info.Environment["DBOS_SYSTEM_DATABASE_URL"] = databaseUrl;
        var peer = new NodePeer(new Process { StartInfo = info, EnableRaisingEvents = true });
        var ready = peer._calls[0] = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        peer._process.OutputDataReceived += (_, e) => peer.OnLine(e.Data);
        peer._process.ErrorDataReceived += (_, e) => peer.Remember(e.Data);
        peer._process.Exited += (_, _) => peer.FailAll();
        peer._process.Start();
        peer._process.BeginOutputReadLine();
        peer._process.BeginErrorReadLine();
        try
        {
            await ready.Task.WaitAsync(CallTimeout);
        }
        catch (Exception e) when (e is TimeoutException or PeerException)
        {
            await peer.DisposeAsync();
            throw new InvalidOperationException("The DBOS TypeScript peer did not start:\n" + peer.RecentOutput(), e);
        }

        return peer;
    }

    /// <summary>Calls an operation of peer.mjs; returns its value (tagged JSON) or throws <see cref="PeerException"/>
    /// with the error DBOS TypeScript raised.</summary>
    public async Task<JsonElement> CallAsync(string op, object? arguments = null)
    {
        var id = Interlocked.Increment(ref _nextId);
        var request = arguments is null ? new JsonObject() : JsonSerializer.SerializeToNode(arguments, JsonOptions)!.AsObject();
        request["id"] = id;
        request["op"] = op;
        var call = _calls[id] = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_process)
        {
            _process.StandardInput.WriteLine(request.ToJsonString());
            _process.StandardInput.Flush();
        }

        try
        {
            return await call.Task.WaitAsync(CallTimeout);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"DBOS TypeScript did not answer {op} within {CallTimeout}:\n{RecentOutput()}", e);
        }
    }

    /// <summary>Property names as peer.mjs expects them (camelCase), nulls left out.</summary>
    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    private void OnLine(string? line)
    {
        if (line is null || !line.StartsWith("@@", StringComparison.Ordinal))
        {
            Remember(line);
            return;
        }

        using var reply = JsonDocument.Parse(line[2..]);
        var root = reply.RootElement;
        if (_calls.TryRemove(root.GetProperty("id").GetInt32(), out var call))
        {
            if (root.GetProperty("ok").GetBoolean())
            {
                call.TrySetResult(root.GetProperty("value").Clone());
            }
            else
            {
                call.TrySetException(new PeerException(root.GetProperty("error").Clone()));
            }
        }
    }

    private void Remember(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.Enqueue(line);
            while (_log.Count > 200)
            {
                _log.Dequeue();
            }
        }
    }

    internal string RecentOutput()
    {
        lock (_log)
        {
            return string.Join('\n', _log);
        }
    }

    private void FailAll()
    {
        foreach (var id in _calls.Keys.ToList())
        {
            if (_calls.TryRemove(id, out var call))
            {
                call.TrySetException(new InvalidOperationException("The DBOS TypeScript peer exited:\n" + RecentOutput()));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.StandardInput.Close(); // peer.mjs shuts DBOS down and exits
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                try
                {
                    await _process.WaitForExitAsync(timeout.Token);
                }
                catch (OperationCanceledException)
                {
                    _process.Kill(entireProcessTree: true);
                }
            }
        }
        finally
        {
            _process.Dispose();
        }
    }

    private sealed record ProcessResult(int ExitCode, string Output);

    /// <summary>Runs a command to its end; null when the program does not exist.</summary>
    private static async Task<ProcessResult?> RunAsync(string program, string arguments, string directory, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo(program, arguments)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
            try
            {
                await process.WaitForExitAsync(cancel.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                return new ProcessResult(-1, $"{program} {arguments} timed out.\n{await output}{await error}");
            }

            return new ProcessResult(process.ExitCode, await output + await error);
        }
    }

    /// <summary>Runs a node script of the installed package (e.g. the dbos CLI) to its end.</summary>
    public static async Task<string> RunNodeAsync(params string[] arguments)
    {
        var folder = await EnsureInstalledAsync();
        var result = await RunAsync("node", string.Join(' ', arguments.Select(a => "\"" + a.Replace("\"", "\\\"", StringComparison.Ordinal) + "\"")), folder, TimeSpan.FromMinutes(2));
        if (result is not { ExitCode: 0 })
        {
            throw new InvalidOperationException($"node {string.Join(' ', arguments)} failed:\n{result?.Output}");
        }

        return result.Output;
    }
}

/// <summary>An error DBOS TypeScript raised, as tagged by peer.mjs: <c>{"$error":{"class","name","message","code","data"}}</c>.</summary>
public sealed class PeerException(JsonElement error) : Exception(Describe(error))
{
    public JsonElement Error { get; } = error;

    /// <summary>The JavaScript class of the error (e.g. <c>PortableWorkflowError</c>).</summary>
    public string? ErrorClass => Field("class");

    public string? ErrorName => Field("name");

    public string? ErrorMessage => Field("message");

    private string? Field(string name)
        => Error.TryGetProperty("$error", out var e) && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static string Describe(JsonElement error) => "DBOS TypeScript raised " + error.GetRawText();
}
