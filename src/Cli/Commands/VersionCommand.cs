using System;
using System.CommandLine;
using System.Reflection;

namespace Dbos.Cli;

internal static class VersionCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("version", "Print the version of this tool and of the DBOS runtime it carries.\n\nExample: dbos version --json");
        context.SetAction(command, async (parse, _) =>
        {
            var tool = Informational(typeof(VersionCommand).Assembly);
            var runtime = Informational(typeof(DbosClient).Assembly);
            if (parse.GetValue(context.Json))
            {
                await context.WriteJsonAsync(new { version = tool, runtime, dotnet = Environment.Version.ToString() });
            }
            else
            {
                await context.Output.WriteLineAsync($"dbos {tool} (Dbos runtime {runtime}, .NET {Environment.Version})");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The package version, without the source revision the SDK appends after '+'.</summary>
    private static string Informational(Assembly assembly)
    {
        var version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? assembly.GetName().Version?.ToString() ?? "unknown";
        var plus = version.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? version : version[..plus];
    }
}
