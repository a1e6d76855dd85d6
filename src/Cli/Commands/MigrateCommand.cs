using System.CommandLine;

namespace Dbos.Cli;

internal static class MigrateCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("migrate",
            "Create or upgrade the DBOS system tables (schema version 123, as DBOS TypeScript 5.3), as an application does when it starts. " +
            "Safe to run while applications run, and more than once.\n\nExample: dbos migrate --db postgresql://postgres@localhost:5432/app");
        context.SetAction(command, async (parse, cancellationToken) =>
        {
            var options = context.Options(parse);
            await DbosClient.MigrateAsync(options, cancellationToken);
            var version = await DbosClient.ReadSchemaVersionAsync(options, cancellationToken);
            return await context.ReportAsync(parse, new { migrated = true, schemaVersion = version }, $"The system database is at schema version {version}.");
        });
        return command;
    }
}
