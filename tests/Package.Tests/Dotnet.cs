using System;
using System.Collections;
using System.Diagnostics;
using System.IO;
using System.Text;

namespace Dbos.Package.Tests;

/// <summary>The output and exit code of one child process.</summary>
public sealed record ProcessResult(int ExitCode, string Output)
{
    public override string ToString() => $"exit code {ExitCode}:\n{Output}";
}

/// <summary>Runs the dotnet CLI (and apps) as a user would from a shell, without this test host's MSBuild environment.</summary>
public static class Dotnet
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    /// <summary>The repository root: the folder above the test assembly that holds Workflows.sln.</summary>
    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Workflows.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Workflows.sln was not found above " + AppContext.BaseDirectory);
    }

    public static ProcessResult Run(string workingDirectory, params string[] arguments) => Exec("dotnet", workingDirectory, arguments);

    /// <summary>Runs <paramref name="fileName"/> (dotnet, or an installed tool) as <see cref="Run"/> runs dotnet.</summary>
    public static ProcessResult Exec(string fileName, string workingDirectory, params string[] arguments)
        => Exec(fileName, workingDirectory, Timeout, arguments);

    /// <summary>As <see cref="Exec(string, string, string[])"/>, for commands that may take longer (a Native AOT publish).</summary>
    public static ProcessResult Exec(string fileName, string workingDirectory, TimeSpan timeout, params string[] arguments)
    {
        var info = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        // dotnet test runs this host under MSBuild; a child build must not inherit its MSBuild or test-runner settings, and
        // the apps run with DBOS's defaults, not with the DBOS variables of whoever runs the tests.
        foreach (DictionaryEntry variable in Environment.GetEnvironmentVariables())
        {
            var name = (string)variable.Key;
            if (name.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || name.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)
                || name.StartsWith("DBOS_", StringComparison.OrdinalIgnoreCase) || name.Equals("DOTNET_HOST_PATH", StringComparison.OrdinalIgnoreCase))
            {
                info.Environment.Remove(name);
            }
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";

        var output = new StringBuilder();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} did not finish within {timeout}:\n{output}");
        }

        process.WaitForExit(); // drains the redirected output
        lock (output)
        {
            return new ProcessResult(process.ExitCode, output.ToString());
        }
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }
}
