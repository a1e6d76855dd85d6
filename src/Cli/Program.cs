using System.CommandLine;
using System.Threading.Tasks;

namespace Dbos.Cli;

/// <summary>The <c>dbos</c> tool. Each command group is one class under Commands/ with a <c>Create(CliContext)</c>; add a group
/// by adding it to <see cref="Build"/>.</summary>
internal static class Program
{
    public static Task<int> Main(string[] args) => Build(new CliContext()).Parse(args).InvokeAsync();

    internal static RootCommand Build(CliContext context)
    {
        var root = new RootCommand(
            "Operate DBOS workflows from a terminal: list, inspect, cancel, resume, fork and delete them, list queues, pause, trigger and " +
            "backfill schedules, list application versions and set the latest, and migrate, garbage-collect or reset the system database " +
            "(PostgreSQL or SQLite).\n\n" +
            "The database is --db, else DBOS_SYSTEM_DATABASE_URL, else Dbos:SystemDatabaseUrl in ./appsettings.json, else ./dbos_system.sqlite.\n\n" +
            "Example: dbos workflow list --db postgresql://postgres@localhost/app --status ERROR");
        root.Options.Add(context.Database);
        root.Options.Add(context.Json);
        root.Subcommands.Add(MigrateCommand.Create(context));
        root.Subcommands.Add(WorkflowCommands.Create(context));
        root.Subcommands.Add(QueueCommands.Create(context));
        root.Subcommands.Add(ScheduleCommands.Create(context));
        root.Subcommands.Add(GcCommand.Create(context));
        root.Subcommands.Add(ResetCommand.Create(context));
        root.Subcommands.Add(VersionCommand.Create(context));
        return root;
    }
}
