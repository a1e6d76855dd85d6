using System;
using System.CommandLine;
using System.Reflection;

namespace Dbos.Cli;

internal static class VersionCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("version", "Print the version of this tool and of the DBOS runtime it carries; 'version list' and 'version set-latest' " +
            "show and change the application versions registered in the system database.\n\nExample: dbos version --json");
        command.Subcommands.Add(List(context));
        command.Subcommands.Add(SetLatest(context));
        context.SetAction(command, async (parse, _) =>
        {
            var tool = Informational(typeof(VersionCommand).Assembly);
            var runtime = Informational(typeof(DbosClient).Assembly);
            return await context.ReportAsync(parse, new { version = tool, runtime, dotnet = Environment.Version.ToString() }, $"dbos {tool} (Dbos runtime {runtime}, .NET {Environment.Version})");
        });
        return command;
    }

    private static Command List(CliContext context)
    {
        var command = new Command("list", "List the application versions registered in the system database, latest first; the latest version of " +
            "an application dequeues the queued workflows that name no version.\n\nExample: dbos version list --json");
        context.SetClientAction(command, async (parse, client, cancellationToken) =>
        {
            var versions = await client.ListApplicationVersionsAsync(cancellationToken);
            return await context.ShowAsync(parse, () => VersionJson.From(versions), now => Format.VersionTable(versions, now));
        });
        return command;
    }

    private static Command SetLatest(CliContext context)
    {
        var version = new Argument<string>("version") { Description = "A registered application version (dbos version list)." };
        var command = new Command("set-latest", "Make a registered application version the latest, so its processes take the queued workflows " +
            "that name no version (a rollback). Processes read it within 30 s.\n\nExample: dbos version set-latest 0a2217c4") { version };
        context.SetClientAction(command, async (parse, client, cancellationToken) =>
        {
            var versionName = parse.GetValue(version)!;
            try
            {
                await client.SetLatestApplicationVersionAsync(versionName, cancellationToken);
            }
            catch (ArgumentException e)
            {
                throw new CliException(ExitCodes.Failed, e.Message); // an unknown version, like an unknown workflow
            }

            return await context.ReportAsync(parse, new { versionName, latest = true }, $"Application version {versionName} is the latest.");
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
