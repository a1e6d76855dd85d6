using System;
using System.CommandLine;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace Dbos.Cli;

/// <summary><c>dbos schedule list|get|pause|resume|trigger|backfill|delete</c>, over the schedules stored in <c>workflow_schedules</c>.</summary>
internal static class ScheduleCommands
{
    public static Command Create(CliContext context)
    {
        var group = new Command("schedule", "List, pause, resume, run now, backfill and delete the schedules stored in workflow_schedules " +
            "(by this SDK or any DBOS SDK). [Scheduled] workflows live in code and are not stored.\n\nExample: dbos schedule pause nightly-eu");
        group.Subcommands.Add(List(context));
        group.Subcommands.Add(Get(context));
        group.Subcommands.Add(Pause(context));
        group.Subcommands.Add(Resume(context));
        group.Subcommands.Add(Trigger(context));
        group.Subcommands.Add(Backfill(context));
        group.Subcommands.Add(Delete(context));
        return group;
    }

    private static Argument<string> ScheduleName() => new("schedule-name") { Description = "The schedule's name." };

    private static Command List(CliContext context)
    {
        var status = new Option<string?>("--status", "-S") { Description = "Only schedules with this status: ACTIVE or PAUSED." };
        var workflow = new Option<string?>("--workflow", "-w") { Description = "Only schedules of the workflow with this stored name." };
        var prefix = new Option<string?>("--prefix") { Description = "Only schedules whose name starts with this." };
        var command = new Command("list", "List the stored schedules by name: status, workflow, cron, time zone, queue and the last tick fired.\n\n" +
            "Example: dbos schedule list --status PAUSED --json") { status, workflow, prefix };
        context.SetClientAction(command, async (parse, client, cancellationToken) =>
        {
            var wanted = parse.GetValue(status) is { } text ? ParseStatus(text) : (ScheduleStatus?)null;
            var schedules = await client.ListSchedulesAsync(wanted, parse.GetValue(workflow), parse.GetValue(prefix), cancellationToken);
            return await context.ShowAsync(parse, () => schedules.Select(ScheduleJson.From).ToList(), now => Format.ScheduleTable(schedules, now));
        });
        return command;
    }

    private static Command Get(CliContext context)
    {
        var name = ScheduleName();
        var command = new Command("get", "Show one stored schedule with its context.\n\nExample: dbos schedule get nightly-eu --json") { name };
        context.SetClientAction(command, async (parse, client, cancellationToken) =>
        {
            var schedule = await RequireAsync(client, parse.GetValue(name)!, cancellationToken);
            return await context.ShowAsync(parse, () => ScheduleJson.From(schedule), now => Format.ScheduleDetails(schedule, now));
        });
        return command;
    }

    private static Command Pause(CliContext context)
    {
        var name = ScheduleName();
        var command = new Command("pause", "Stop firing a schedule, in every process at its next poll, until it is resumed. Ticks passed while it is " +
            "paused run only if backfilled.\n\nExample: dbos schedule pause nightly-eu") { name };
        context.SetClientAction(command, async (parse, client, cancellationToken) =>
        {
            var scheduleName = parse.GetValue(name)!;
            await RequireAsync(client, scheduleName, cancellationToken);
            await client.PauseScheduleAsync(scheduleName, cancellationToken);
            return await ReportAsync(context, parse, client, scheduleName, cancellationToken);
        });
        return command;
    }

    private static Command Resume(CliContext context)
    {
        var name = ScheduleName();
        var command = new Command("resume", "Fire a paused schedule again from its next tick.\n\nExample: dbos schedule resume nightly-eu") { name };
        context.SetClientAction(command, async (parse, client, cancellationToken) =>
        {
            var scheduleName = parse.GetValue(name)!;
            await RequireAsync(client, scheduleName, cancellationToken);
            await client.ResumeScheduleAsync(scheduleName, cancellationToken);
            return await ReportAsync(context, parse, client, scheduleName, cancellationToken);
        });
        return command;
    }

    private static Command Trigger(CliContext context)
    {
        var name = ScheduleName();
        var command = new Command("trigger", "Enqueue one run of a schedule now, under sched-<name>-trigger-<now>, with now as its scheduled time; " +
            "a process of the application that has the workflow runs it.\n\nExample: dbos schedule trigger nightly-eu") { name };
        context.SetClientAction(command, async (parse, client, cancellationToken) =>
        {
            var scheduleName = parse.GetValue(name)!;
            await RequireAsync(client, scheduleName, cancellationToken);
            var handle = await client.TriggerScheduleAsync(scheduleName, cancellationToken);
            return await context.ReportAsync(parse, new { scheduleName, workflowId = handle.WorkflowId }, $"Enqueued workflow {handle.WorkflowId}.");
        });
        return command;
    }

    private static Command Backfill(CliContext context)
    {
        var name = ScheduleName();
        var from = new Option<string>("--from") { Description = "The start, ISO 8601 (2026-12-01T00:00:00Z; UTC when no offset is given).", Required = true };
        var to = new Option<string>("--to") { Description = "The end, ISO 8601; ticks strictly between --from and --to are enqueued.", Required = true };
        var command = new Command("backfill", "Enqueue the run of every tick of a schedule strictly between two times, each under its usual ID " +
            "sched-<name>-<tick>, so ticks that already ran are not run again; prints the workflow IDs.\n\n" +
            "Example: dbos schedule backfill nightly-eu --from 2026-12-01T00:00:00Z --to 2026-12-08T00:00:00Z") { name, from, to };
        context.SetClientAction(command, async (parse, client, cancellationToken) =>
        {
            var scheduleName = parse.GetValue(name)!;
            var start = ParseTime(parse.GetValue(from)!, "--from");
            var end = ParseTime(parse.GetValue(to)!, "--to");
            if (end < start)
            {
                throw new CliException(ExitCodes.Usage, $"--to ({end:O}) is before --from ({start:O}): nothing to backfill.");
            }

            await RequireAsync(client, scheduleName, cancellationToken);
            var handles = await client.BackfillScheduleAsync(scheduleName, start, end, cancellationToken);
            var ids = handles.Select(h => h.WorkflowId).ToList();
            if (parse.GetValue(context.Json))
            {
                await context.WriteJsonAsync(new { scheduleName, workflowIds = ids });
            }
            else
            {
                await context.Output.WriteLineAsync($"Enqueued {ids.Count} runs of schedule {scheduleName}{(ids.Count == 0 ? "." : ":")}");
                foreach (var id in ids)
                {
                    await context.Output.WriteLineAsync(id);
                }
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Delete(CliContext context)
    {
        var name = ScheduleName();
        var command = new Command("delete", "Delete a stored schedule; runs already enqueued stay.\n\nExample: dbos schedule delete nightly-eu") { name };
        context.SetClientAction(command, async (parse, client, cancellationToken) =>
        {
            var scheduleName = parse.GetValue(name)!;
            if (!await client.DeleteScheduleAsync(scheduleName, cancellationToken))
            {
                throw NoSuchSchedule(scheduleName);
            }

            return await context.ReportAsync(parse, new { scheduleName, deleted = true }, $"Deleted schedule {scheduleName}.");
        });
        return command;
    }

    private static async Task<WorkflowSchedule> RequireAsync(DbosClient client, string scheduleName, CancellationToken cancellationToken)
        => await client.GetScheduleAsync(scheduleName, cancellationToken) ?? throw NoSuchSchedule(scheduleName);

    private static CliException NoSuchSchedule(string scheduleName)
        => new(ExitCodes.Failed, $"No schedule named '{scheduleName}' (dbos schedule list lists them).");

    /// <summary>After pause or resume: the schedule's status as it now is.</summary>
    private static async Task<int> ReportAsync(CliContext context, ParseResult parse, DbosClient client, string scheduleName, CancellationToken cancellationToken)
    {
        var schedule = await RequireAsync(client, scheduleName, cancellationToken);
        var status = Format.ScheduleStatus(schedule.Status);
        return await context.ReportAsync(parse, new { scheduleName, status }, $"Schedule {scheduleName} is {status}.");
    }

    private static ScheduleStatus ParseStatus(string text) => text.Trim().ToUpperInvariant() switch
    {
        "ACTIVE" => ScheduleStatus.Active,
        "PAUSED" => ScheduleStatus.Paused,
        _ => throw new CliException(ExitCodes.Usage, $"--status '{text}' is not a schedule status: use ACTIVE or PAUSED."),
    };

    internal static DateTimeOffset ParseTime(string text, string option)
        => DateTimeOffset.TryParse(text.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? time
            : throw new CliException(ExitCodes.Usage, $"{option} '{text}' is not a time: use ISO 8601, e.g. 2026-12-01T10:00:00Z.");
}
