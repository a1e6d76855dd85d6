using System;
using System.CommandLine;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Spectre.Console;

namespace Dbos.Cli;

/// <summary><c>dbos workflow list|get|steps|cancel|resume|fork|delete</c>.</summary>
internal static class WorkflowCommands
{
    public static Command Create(CliContext context)
    {
        var group = new Command("workflow", "List, inspect and operate workflows.\n\nExample: dbos workflow get order-42");
        group.Subcommands.Add(List(context));
        group.Subcommands.Add(Get(context));
        group.Subcommands.Add(Steps(context));
        group.Subcommands.Add(Cancel(context));
        group.Subcommands.Add(Resume(context));
        group.Subcommands.Add(Fork(context));
        group.Subcommands.Add(Delete(context));
        return group;
    }

    internal static Argument<string> WorkflowId() => new("workflow-id") { Description = "The workflow's ID." };

    /// <summary>The filter options <c>workflow list</c> and <c>queue list</c> share.</summary>
    internal sealed class FilterOptions
    {
        public Option<string?> Name { get; } = new("--name", "-n") { Description = "Only workflows with this name." };
        public Option<string[]> Status { get; } = new("--status", "-S") { Description = "Only workflows with this status (repeat for several): PENDING, SUCCESS, ERROR, ENQUEUED, CANCELLED, DELAYED, MAX_RECOVERY_ATTEMPTS_EXCEEDED.", AllowMultipleArgumentsPerToken = true };
        public Option<string?> Queue { get; } = new("--queue", "-q") { Description = "Only workflows on this queue." };
        public Option<string?> User { get; } = new("--user", "-u") { Description = "Only workflows started by this authenticated user." };
        public Option<string?> Version { get; } = new("--app-version", "-v") { Description = "Only workflows of this application version." };
        public Option<string?> Prefix { get; } = new("--prefix") { Description = "Only workflows whose ID starts with this." };
        public Option<DateTimeOffset?> Start { get; } = new("--start-time") { Description = "Only workflows created at or after this time (ISO 8601)." };
        public Option<DateTimeOffset?> End { get; } = new("--end-time") { Description = "Only workflows created before this time (ISO 8601)." };
        public Option<int> Limit { get; } = new("--limit", "-l") { Description = "At most this many workflows.", DefaultValueFactory = _ => 20 };
        public Option<int?> Offset { get; } = new("--offset", "-o") { Description = "Skip this many workflows first." };
        public Option<bool> Descending { get; } = new("--sort-desc", "-d") { Description = "Newest first." };

        public void AddTo(Command command)
        {
            foreach (var option in new Option[] { Name, Status, Queue, User, Version, Prefix, Start, End, Limit, Offset, Descending })
            {
                command.Options.Add(option);
            }
        }

        public WorkflowFilter Build(ParseResult parse)
        {
            var statuses = parse.GetValue(Status) is { Length: > 0 } given ? given.Select(s => s.Trim().ToUpperInvariant()).ToArray() : null;
            var limit = parse.GetValue(Limit);
            if (limit < 1)
            {
                throw new CliException(ExitCodes.Usage, "--limit must be 1 or more.");
            }

            return new WorkflowFilter
            {
                Name = parse.GetValue(Name),
                Statuses = statuses,
                QueueName = parse.GetValue(Queue),
                AuthenticatedUser = parse.GetValue(User),
                ApplicationVersion = parse.GetValue(Version),
                WorkflowIdPrefix = parse.GetValue(Prefix),
                CreatedAfter = parse.GetValue(Start),
                CreatedBefore = parse.GetValue(End),
                Limit = limit,
                Offset = parse.GetValue(Offset),
                SortDescending = parse.GetValue(Descending),
                LoadInput = false,
                LoadOutput = false,
            };
        }
    }

    private static Command List(CliContext context)
    {
        var filter = new FilterOptions();
        var command = new Command("list", "List workflows, oldest first (--sort-desc for newest first), 20 at a time (--limit, --offset).\n\n" +
            "Example: dbos workflow list --status ERROR --status CANCELLED --name PlaceOrder --limit 50");
        filter.AddTo(command);
        context.SetClientAction(command, async (parse, client, cancellationToken) =>
        {
            var workflows = await client.ListWorkflowsAsync(filter.Build(parse), cancellationToken);
            return await context.ShowAsync(parse, () => Format.Json(workflows), now => Format.WorkflowTable(workflows, now));
        });
        return command;
    }

    private static Command Get(CliContext context)
    {
        var id = WorkflowId();
        var command = new Command("get", "Show one workflow: its status, where it runs, its input, output or error.\n\nExample: dbos workflow get order-42 --json") { id };
        context.SetClientAction(command, async (parse, client, cancellationToken) =>
        {
            var workflowId = parse.GetValue(id)!;
            var found = await client.ListWorkflowsAsync(new WorkflowFilter { WorkflowIds = [workflowId] }, cancellationToken);
            if (found.Count == 0)
            {
                throw new NonExistentWorkflowException(workflowId);
            }

            return await context.ShowAsync(parse, () => WorkflowJson.From(found[0]), now => Format.WorkflowDetails(found[0], now));
        });
        return command;
    }

    private static Command Steps(CliContext context)
    {
        var id = WorkflowId();
        var command = new Command("steps", "List the recorded operations of a workflow (steps, transactions, messages, sleeps, child workflows) in order.\n\n" +
            "Example: dbos workflow steps order-42") { id };
        context.SetClientAction(command, async (parse, client, cancellationToken) =>
        {
            var steps = await client.ListWorkflowStepsAsync(parse.GetValue(id)!, cancellationToken);
            return await context.ShowAsync(parse, () => steps.Select(StepJson.From).ToList(), now => Format.StepTable(steps, now));
        });
        return command;
    }

    private static Command Cancel(CliContext context)
    {
        var id = WorkflowId();
        var children = new Option<bool>("--children") { Description = "Cancel its child workflows too." };
        var command = new Command("cancel", "Cancel a workflow that has not finished: it becomes CANCELLED and stops at its next step wherever it runs. " +
            "A finished workflow is left as it is.\n\nExample: dbos workflow cancel order-42 --children") { id, children };
        context.SetClientAction(command, async (parse, client, cancellationToken) =>
        {
            var workflowId = parse.GetValue(id)!;
            await client.CancelWorkflowAsync(workflowId, parse.GetValue(children), cancellationToken);
            return await ReportAsync(context, parse, client, workflowId, "Workflow {0} is {1}.", cancellationToken);
        });
        return command;
    }

    private static Command Resume(CliContext context)
    {
        var id = WorkflowId();
        var queue = new Option<string?>("--queue", "-q") { Description = "The queue to run it on (default: the internal queue every executor serves)." };
        var command = new Command("resume", "Run a cancelled, dead-lettered or stuck workflow again from its last completed step. A finished workflow is left as it is.\n\n" +
            "Example: dbos workflow resume order-42") { id, queue };
        context.SetClientAction(command, async (parse, client, cancellationToken) =>
        {
            var workflowId = parse.GetValue(id)!;
            await client.ResumeWorkflowAsync(workflowId, parse.GetValue(queue), cancellationToken);
            return await ReportAsync(context, parse, client, workflowId, "Workflow {0} is {1}.", cancellationToken);
        });
        return command;
    }

    private static Command Fork(CliContext context)
    {
        var id = WorkflowId();
        var step = new Option<int>("--step", "-S") { Description = "The function id to restart from (0 re-runs everything; the steps before it replay their recorded results).", Required = true };
        var forkId = new Option<string?>("--fork-id", "-f") { Description = "The new workflow's ID (default: a new UUID)." };
        var queue = new Option<string?>("--queue", "-q") { Description = "The queue to run the fork on (default: the internal queue)." };
        var version = new Option<string?>("--app-version", "-v") { Description = "The application version that may run the fork." };
        var command = new Command("fork", "Start a copy of a workflow that replays its operations before --step and runs the rest again.\n\n" +
            "Example: dbos workflow fork order-42 --step 2 --fork-id order-42-retry") { id, step, forkId, queue, version };
        context.SetClientAction(command, async (parse, client, cancellationToken) =>
        {
            var handle = await client.ForkWorkflowAsync(parse.GetValue(id)!, parse.GetValue(step), new WorkflowOptions
            {
                WorkflowId = parse.GetValue(forkId),
                Queue = parse.GetValue(queue),
                ApplicationVersion = parse.GetValue(version),
            }, cancellationToken);
            return await ReportAsync(context, parse, client, handle.WorkflowId, "Forked into workflow {0} ({1}).", cancellationToken);
        });
        return command;
    }

    private static Command Delete(CliContext context)
    {
        var id = WorkflowId();
        var children = new Option<bool>("--children") { Description = "Delete its child workflows too." };
        var command = new Command("delete", "Delete a workflow and every row that belongs to it (inputs, outputs, steps, messages, events).\n\n" +
            "Example: dbos workflow delete order-42") { id, children };
        context.SetClientAction(command, async (parse, client, cancellationToken) =>
        {
            var workflowId = parse.GetValue(id)!;
            await client.DeleteWorkflowAsync(workflowId, parse.GetValue(children), cancellationToken);
            return await context.ReportAsync(parse, new { workflowId, deleted = true }, $"Deleted workflow {workflowId}.");
        });
        return command;
    }

    /// <summary>After an operation: the workflow's status as it now is.</summary>
    private static async Task<int> ReportAsync(CliContext context, ParseResult parse, DbosClient client, string workflowId, string sentence, CancellationToken cancellationToken)
    {
        var status = await client.GetWorkflowStatusAsync(workflowId, cancellationToken) ?? throw new NonExistentWorkflowException(workflowId);
        if (parse.GetValue(context.Json))
        {
            await context.WriteJsonAsync(new { workflowId, status = status.Status, queueName = status.QueueName });
        }
        else
        {
            context.CreateConsole().MarkupLine(string.Format(System.Globalization.CultureInfo.InvariantCulture, sentence, Markup.Escape(workflowId), Format.Status(status.Status)));
        }

        return ExitCodes.Ok;
    }
}
