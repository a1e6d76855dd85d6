using System;
using System.CommandLine;
using Spectre.Console;

namespace Dbos.Cli;

internal static class ResetCommand
{
    public static Command Create(CliContext context)
    {
        var yes = new Option<bool>("--yes", "-y") { Description = "Do not ask for confirmation (for scripts)." };
        var command = new Command("reset",
            "Delete the DBOS system schema with every workflow, step, message, event and queue row in it. Applications create it again " +
            "when they start (or run dbos migrate). Asks for confirmation; refuses without --yes when not run in a terminal.\n\n" +
            "Example: dbos reset --db sqlite:///dbos_system.sqlite --yes")
        {
            yes,
        };
        context.SetAction(command, async (parse, cancellationToken) =>
        {
            var options = context.Options(parse);
            if (!parse.GetValue(yes))
            {
                if (Console.IsInputRedirected || Console.IsOutputRedirected || !ReferenceEquals(context.Output, Console.Out))
                {
                    throw new CliException(ExitCodes.Failed,
                        $"Refusing to reset {Describe(options)} without confirmation: this is not an interactive terminal. Pass --yes to reset it.");
                }

                if (!AnsiConsole.Confirm($"Delete every workflow in {Markup.Escape(Describe(options))}?", defaultValue: false))
                {
                    throw new CliException(ExitCodes.Failed, "Nothing was reset.");
                }
            }

            await DbosClient.DropSchemaAsync(options, cancellationToken);
            return await context.ReportAsync(parse, new { reset = true }, $"Reset {Describe(options)}: the DBOS schema was deleted.");
        });
        return command;
    }

    private static string Describe(DbosOptions options) => "the system database " + DbosClient.Describe(options);
}
