using System;
using System.Collections.Generic;
using Cronos;

namespace Dbos.Scheduling;

/// <summary>A parsed cron expression and its time zone: 5 fields (minute first), or 6 with seconds first, as DBOS reads them.
/// Cronos does the parsing and the arithmetic, daylight-saving transitions included.</summary>
internal sealed class CronSchedule
{
    private readonly CronExpression _expression;

    private CronSchedule(string text, CronExpression expression, TimeZoneInfo zone)
    {
        Text = text;
        _expression = expression;
        Zone = zone;
    }

    public string Text { get; }

    public TimeZoneInfo Zone { get; }

    /// <summary>Parses <paramref name="cron"/> or throws an <see cref="ArgumentException"/> that says what is wrong and what is accepted.</summary>
    public static CronSchedule Parse(string cron, string? timeZone, string parameterName = "cron")
    {
        if (string.IsNullOrWhiteSpace(cron))
        {
            throw new ArgumentException("A schedule needs a cron expression, e.g. \"0 */5 * * * *\" (every 5 minutes) or \"*/30 * * * * *\" (every 30 seconds).", parameterName);
        }

        var text = cron.Trim();
        var fields = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
        if (text[0] != '@' && fields is not (5 or 6))
        {
            throw new ArgumentException(
                $"The cron expression \"{text}\" has {fields} fields. Use 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first " +
                "(second minute hour day-of-month month day-of-week), e.g. \"0 0 * * *\" or \"*/10 * * * * *\".", parameterName);
        }

        CronExpression expression;
        try
        {
            expression = CronExpression.Parse(text, fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
        }
        catch (CronFormatException e)
        {
            throw new ArgumentException(
                $"The cron expression \"{text}\" is not valid: {e.Message} Fields are (second) minute hour day-of-month month day-of-week, " +
                "each *, a number, a range a-b, a list a,b or a step */n.", parameterName, e);
        }

        return new CronSchedule(text, expression, FindZone(timeZone));
    }

    /// <summary>The time zone with this IANA (or Windows) id; null or empty is UTC.</summary>
    public static TimeZoneInfo FindZone(string? timeZone)
    {
        if (string.IsNullOrWhiteSpace(timeZone))
        {
            return TimeZoneInfo.Utc;
        }

        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(timeZone.Trim());
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw new ArgumentException($"Unknown time zone \"{timeZone}\": use an IANA time zone id such as \"Europe/Paris\" or \"America/New_York\" (null for UTC).", "timeZone", e);
        }
    }

    /// <summary>The first tick strictly after <paramref name="after"/>, or null when the expression never fires again.</summary>
    public DateTimeOffset? Next(DateTimeOffset after) => _expression.GetNextOccurrence(after.ToUniversalTime(), Zone, inclusive: false)?.ToUniversalTime();

    /// <summary>The ticks t with <paramref name="from"/> &lt; t &lt; <paramref name="to"/>, in order (what DBOS's backfill enqueues).</summary>
    public IEnumerable<DateTimeOffset> Between(DateTimeOffset from, DateTimeOffset to)
    {
        var current = from;
        while (Next(current) is { } next && next < to)
        {
            yield return next;
            current = next;
        }
    }
}
