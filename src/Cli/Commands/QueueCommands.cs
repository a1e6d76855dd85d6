using System.CommandLine;

namespace Dbos.Cli;

/// <summary><c>dbos queue list</c>.</summary>
internal static class QueueCommands
{
    public static Command Create(CliContext context)
    {
        var group = new Command("queue", "Look at queued work.\n\nExample: dbos queue list --queue payments");
        group.Subcommands.Add(List(context));
        return group;
    }

    private static Command List(CliContext context)
    {
        var filter = new WorkflowCommands.FilterOptions();
        var command = new Command("list", "List the workflows waiting on or running from queues (ENQUEUED, PENDING, DELAYED), oldest first.\n\n" +
            "Example: dbos queue list --queue payments --status ENQUEUED --json");
        filter.AddTo(command);
        context.SetClientAction(command, async (parse, client, cancellationToken) =>
        {
            var workflows = await client.ListQueuedWorkflowsAsync(filter.Build(parse), cancellationToken);
            return await context.ShowAsync(parse, () => Format.Json(workflows), now => Format.WorkflowTable(workflows, now));
        });
        return command;
    }
}
