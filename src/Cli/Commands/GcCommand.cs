using System;
using System.CommandLine;
using System.Globalization;

namespace Dbos.Cli;

internal static class GcCommand
{
    public static Command Create(CliContext context)
    {
        var olderThan = new Option<string?>("--older-than")
        {
            Description = "Delete finished workflows created longer ago than this: 30d, 12h, 45m, 90s, or d.hh:mm:ss.",
        };
        var keep = new Option<int?>("--keep") { Description = "Keep the newest N workflows; delete finished ones before them." };
        var command = new Command("gc",
            "Delete finished workflows (SUCCESS, ERROR, CANCELLED, MAX_RECOVERY_ATTEMPTS_EXCEEDED) with all their rows, oldest first. " +
            "ENQUEUED, PENDING and DELAYED workflows are never deleted.\n\nExample: dbos gc --older-than 30d")
        {
            olderThan,
            keep,
        };
        context.SetClientAction(command, async (parse, client, cancellationToken) =>
        {
            var age = parse.GetValue(olderThan) is { } text ? ParseAge(text) : (TimeSpan?)null;
            var rows = parse.GetValue(keep);
            if (age is null && rows is null)
            {
                throw new CliException(ExitCodes.Usage, "Say what to delete: --older-than 30d, --keep 1000, or both.");
            }

            var deleted = await client.GarbageCollectAsync(age, rows, cancellationToken);
            return await context.ReportAsync(parse, new { deleted }, $"Deleted {deleted} finished workflows.");
        });
        return command;
    }

    internal static TimeSpan ParseAge(string text)
    {
        var trimmed = text.Trim();
        if (trimmed.Length > 1 && double.TryParse(trimmed[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) && amount >= 0)
        {
            switch (char.ToLowerInvariant(trimmed[^1]))
            {
                case 'd': return TimeSpan.FromDays(amount);
                case 'h': return TimeSpan.FromHours(amount);
                case 'm': return TimeSpan.FromMinutes(amount);
                case 's': return TimeSpan.FromSeconds(amount);
            }
        }

        if (TimeSpan.TryParse(trimmed, CultureInfo.InvariantCulture, out var span) && span >= TimeSpan.Zero)
        {
            return span;
        }

        throw new CliException(ExitCodes.Usage, $"--older-than '{text}' is not a duration: use 30d, 12h, 45m, 90s or d.hh:mm:ss.");
    }
}
