using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading.Tasks;

namespace Dbos.Tests;

/// <summary>Runs tests/TestApp as a real child process, so tests can SIGKILL it.</summary>
public sealed class TestApp : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private TestApp(Process process)
    {
        _process = process;
    }

    public static TestApp Start(params string[] arguments) => StartWithEnvironment(new Dictionary<string, string>(), arguments);

    /// <summary>Starts the test app with extra environment variables (e.g. <c>DBOS__VMID</c>, its executor id).</summary>
    public static TestApp StartWithEnvironment(IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Dbos.TestApp.dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException("The crash-test child process was not built beside the tests.", dll);
        }

        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["DOTNET_TieredPGO"] = "0";
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }
        var app = new TestApp(new Process { StartInfo = info });
        app._process.OutputDataReceived += (_, e) => app.Append(e.Data);
        app._process.ErrorDataReceived += (_, e) => app.Append(e.Data);
        app._process.Start();
        app._process.BeginOutputReadLine();
        app._process.BeginErrorReadLine();
        return app;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public int Id => _process.Id;

    /// <summary>Waits for a line starting with <paramref name="prefix"/> and returns the rest of it.</summary>
    public async Task<string> WaitForLineAsync(string prefix, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            foreach (var line in Output.Split('\n'))
            {
                if (line.StartsWith(prefix, StringComparison.Ordinal))
                {
                    return line[prefix.Length..].Trim();
                }
            }

            if (HasExited || DateTime.UtcNow > until)
            {
                throw new TimeoutException($"The test app printed no line starting with '{prefix}'. Output:\n{Output}");
            }

            await Task.Delay(20);
        }
    }

    public int ExitCode => _process.ExitCode;

    /// <summary>SIGKILL: the process gets no chance to clean up.</summary>
    public async Task KillAsync()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }

        await _process.WaitForExitAsync();
    }

    /// <summary>Waits for a normal exit and returns the value printed after "RESULT ".</summary>
    public async Task<string> WaitForResultAsync(TimeSpan timeout)
    {
        var exited = _process.WaitForExitAsync();
        if (await Task.WhenAny(exited, Task.Delay(timeout)) != exited)
        {
            await KillAsync();
            throw new TimeoutException("The test app did not finish in time. Output:\n" + Output);
        }

        await exited;
        foreach (var line in Output.Split('\n'))
        {
            if (line.StartsWith("RESULT ", StringComparison.Ordinal))
            {
                return line["RESULT ".Length..].Trim();
            }
        }

        throw new InvalidOperationException($"The test app exited with {ExitCode} without a result. Output:\n{Output}");
    }

    public void Dispose() => _process.Dispose();
}
