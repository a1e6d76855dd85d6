using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;

namespace Dbos.AspNetCore.Tests.Browser;

/// <summary>
/// Debian's headless Chromium driven over the Chrome DevTools Protocol (a WebSocket, JSON messages): navigate, evaluate,
/// click with real mouse events, type, and take screenshots. One page per instance; the process is killed at dispose.
/// </summary>
internal sealed class HeadlessChromium : IAsyncDisposable
{
    /// <summary>Set to a Chromium executable to use it instead of the one on PATH.</summary>
    public const string ExecutableVariable = "DBOS_CHROMIUM";

    /// <summary>Set to 1 to skip the browser tests on a machine without Chromium (never set it in CI).</summary>
    public const string SkipVariable = "DBOS_SKIP_BROWSER_TESTS";

    private static readonly TimeSpan s_commandTimeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly string _profile;
    private readonly ClientWebSocket _socket = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonElement>> _pending = new();
    private readonly CancellationTokenSource _closing = new();
    private readonly StringBuilder _log = new();
    private Task _reader = Task.CompletedTask;
    private int _nextId;

    private HeadlessChromium(Process process, string profile)
    {
        _process = process;
        _profile = profile;
    }

    /// <summary>The Chromium executable, or a failed (or, with <see cref="SkipVariable"/>, ignored) test saying how to get one.</summary>
    public static string FindExecutable()
    {
        if (Environment.GetEnvironmentVariable(ExecutableVariable) is { Length: > 0 } configured)
        {
            return File.Exists(configured) ? configured : throw new AssertionException($"{ExecutableVariable}={configured} does not exist.");
        }

        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        foreach (var name in new[] { "chromium", "chromium-browser", "google-chrome", "google-chrome-stable" })
        {
            if (path.Select(directory => Path.Combine(directory, name)).FirstOrDefault(File.Exists) is { } found)
            {
                return found;
            }
        }

        if (Environment.GetEnvironmentVariable(SkipVariable) == "1")
        {
            Assert.Ignore($"No Chromium on PATH and {SkipVariable}=1: the browser test is skipped.");
        }

        Assert.Fail($"The browser test needs Chromium and found none on PATH: install it with 'apt-get install -y chromium' (scripts/test.sh does), " +
                    $"or set {ExecutableVariable} to a Chromium executable. On a development machine without it, {SkipVariable}=1 skips this test.");
        throw new InvalidOperationException("unreachable");
    }

    public static async Task<HeadlessChromium> LaunchAsync(string executable, int width, int height)
    {
        var profile = Path.Combine(Path.GetTempPath(), "dbos-chromium-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(profile);
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
            "--disable-extensions", "--disable-background-networking", "--hide-scrollbars", "--mute-audio",
            "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", $"--user-data-dir={profile}", $"--window-size={width},{height}", "about:blank",
        })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new AssertionException($"Could not start {executable}.");
        var browser = new HeadlessChromium(process, profile);
        var endpoint = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (browser._log)
            {
                browser._log.AppendLine(e.Data);
            }

            const string marker = "DevTools listening on ";
            var at = e.Data.IndexOf(marker, StringComparison.Ordinal);
            if (at >= 0)
            {
                endpoint.TrySetResult(e.Data[(at + marker.Length)..].Trim());
            }
        };
        process.OutputDataReceived += (_, _) => { };
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => endpoint.TrySetException(new AssertionException($"Chromium exited ({process.ExitCode}) before it listened:\n{browser.Log}"));
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        try
        {
            var browserUrl = new Uri(await endpoint.Task.WaitAsync(TimeSpan.FromSeconds(90)));
            using var http = new HttpClient();
            var targets = JsonDocument.Parse(await http.GetStringAsync($"http://127.0.0.1:{browserUrl.Port}/json/list")).RootElement;
            var page = targets.EnumerateArray().First(t => t.GetProperty("type").GetString() == "page").GetProperty("webSocketDebuggerUrl").GetString()!;
            await browser._socket.ConnectAsync(new Uri(page), CancellationToken.None);
            browser._reader = Task.Run(browser.ReadLoopAsync);
            await browser.SendAsync("Page.enable");
            await browser.SendAsync("Runtime.enable");
            await browser.SendAsync("Network.enable");
            return browser;
        }
        catch (TimeoutException)
        {
            await browser.DisposeAsync();
            throw new AssertionException($"Chromium did not open its DevTools endpoint within 90 s:\n{browser.Log}");
        }
        catch
        {
            await browser.DisposeAsync();
            throw;
        }
    }

    /// <summary>What Chromium wrote to stderr, for failure messages.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public async Task<JsonElement> SendAsync(string method, JsonObject? parameters = null)
    {
        var id = Interlocked.Increment(ref _nextId);
        var reply = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = reply;
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? new JsonObject() };
        await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, CancellationToken.None);
        try
        {
            return await reply.Task.WaitAsync(s_commandTimeout);
        }
        catch (TimeoutException)
        {
            throw new AssertionException($"Chromium did not answer {method} within {s_commandTimeout.TotalSeconds} s.");
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    private async Task ReadLoopAsync()
    {
        var buffer = new byte[1 << 16];
        var message = new MemoryStream();
        try
        {
            while (_socket.State == WebSocketState.Open)
            {
                var received = await _socket.ReceiveAsync(buffer, _closing.Token);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                message.Write(buffer, 0, received.Count);
                if (!received.EndOfMessage)
                {
                    continue;
                }

                var root = JsonDocument.Parse(message.ToArray()).RootElement.Clone();
                message.SetLength(0);
                if (root.TryGetProperty("id", out var id) && _pending.TryGetValue(id.GetInt32(), out var reply))
                {
                    if (root.TryGetProperty("error", out var error))
                    {
                        reply.TrySetException(new AssertionException("Chromium refused a command: " + error.GetRawText()));
                    }
                    else
                    {
                        reply.TrySetResult(root.GetProperty("result"));
                    }
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
        }

        foreach (var reply in _pending.Values)
        {
            reply.TrySetException(new AssertionException("The connection to Chromium closed."));
        }
    }

    /// <summary>Every later request of the page carries these headers (how the test signs in with the sample's demo scheme).</summary>
    public Task SetExtraHeadersAsync(IReadOnlyDictionary<string, string> headers)
    {
        var values = new JsonObject();
        foreach (var (name, value) in headers)
        {
            values[name] = value;
        }

        return SendAsync("Network.setExtraHTTPHeaders", new JsonObject { ["headers"] = values });
    }

    public Task NavigateAsync(string url) => SendAsync("Page.navigate", new JsonObject { ["url"] = url });

    /// <summary>The value of a JavaScript expression in the page (promises awaited).</summary>
    public async Task<JsonElement> EvaluateAsync(string expression)
    {
        var result = await SendAsync("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["returnByValue"] = true, ["awaitPromise"] = true });
        if (result.TryGetProperty("exceptionDetails", out var exception))
        {
            throw new AssertionException($"The page threw evaluating {expression}: {exception.GetRawText()}");
        }

        return result.GetProperty("result").TryGetProperty("value", out var value) ? value.Clone() : default;
    }

    /// <summary>Waits until <paramref name="condition"/> (a JavaScript expression) is true in the page, up to a generous bound;
    /// then fails saying what it waited for, with a screenshot of how the page looked.</summary>
    public async Task WaitForAsync(string condition, string what, string screenshotOnFailure)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var value = await EvaluateAsync($"(() => {{ try {{ return !!({condition}); }} catch {{ return false; }} }})()");
            if (value.ValueKind == JsonValueKind.True)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                await ScreenshotAsync(screenshotOnFailure);
                var text = await EvaluateAsync("document.body ? document.body.innerText.slice(0, 2000) : ''");
                Assert.Fail($"The page never showed {what} (waited for {condition}); screenshot {screenshotOnFailure}. The page said:\n{text}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Clicks the centre of the element like a user: the mouse moves there, presses and releases.</summary>
    public async Task ClickAsync(string selector)
    {
        var box = await EvaluateAsync($$"""
            (() => {
              const el = document.querySelector({{JsonSerializer.Serialize(selector)}});
              if (!el) return null;
              el.scrollIntoView({ block: "center" });
              const r = el.getBoundingClientRect();
              return { x: r.left + r.width / 2, y: r.top + r.height / 2, disabled: !!el.disabled };
            })()
            """);
        if (box.ValueKind != JsonValueKind.Object)
        {
            Assert.Fail($"Nothing to click: no element matches {selector}.");
        }

        Assert.That(box.GetProperty("disabled").GetBoolean(), Is.False, $"{selector} is disabled");
        var x = box.GetProperty("x").GetDouble();
        var y = box.GetProperty("y").GetDouble();
        await SendAsync("Input.dispatchMouseEvent", new JsonObject { ["type"] = "mouseMoved", ["x"] = x, ["y"] = y });
        await SendAsync("Input.dispatchMouseEvent", new JsonObject { ["type"] = "mousePressed", ["x"] = x, ["y"] = y, ["button"] = "left", ["clickCount"] = 1 });
        await SendAsync("Input.dispatchMouseEvent", new JsonObject { ["type"] = "mouseReleased", ["x"] = x, ["y"] = y, ["button"] = "left", ["clickCount"] = 1 });
    }

    /// <summary>Clicks into a text field and types <paramref name="text"/>.</summary>
    public async Task TypeAsync(string selector, string text)
    {
        await ClickAsync(selector);
        await SendAsync("Input.insertText", new JsonObject { ["text"] = text });
    }

    public async Task ScreenshotAsync(string path)
    {
        var shot = await SendAsync("Page.captureScreenshot", new JsonObject { ["format"] = "png" });
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllBytesAsync(path, Convert.FromBase64String(shot.GetProperty("data").GetString()!));
    }

    public async ValueTask DisposeAsync()
    {
        await _closing.CancelAsync();
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            }
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
        }

        await _reader.ConfigureAwait(false);
        _socket.Dispose();
        _process.Dispose();
        _closing.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
