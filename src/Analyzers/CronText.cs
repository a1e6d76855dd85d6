using System;
using System.Globalization;
using System.Linq;

namespace Dbos.Analyzers;

/// <summary>
/// A syntax check of cron text at compile time, field by field: 5 fields (minute first) or 6 with seconds first, each a list of
/// <c>*</c>, <c>?</c>, values, ranges and steps within the field's bounds (month and day names, and the day forms <c>L</c>, <c>W</c>,
/// <c>#</c>). The runtime parses with Cronos when it starts; this check refuses what Cronos refuses in these forms.
/// </summary>
internal static class CronText
{
    private static readonly string[] Macros = { "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly", "@every_minute", "@every_second" };
    private static readonly string[] Months = { "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC" };
    private static readonly string[] Days = { "SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT" };

    private enum Kind
    {
        Second,
        Minute,
        Hour,
        DayOfMonth,
        Month,
        DayOfWeek,
    }

    /// <summary>Null when the text is valid, else what is wrong with it.</summary>
    public static string? Check(string cron)
    {
        var text = cron.Trim();
        if (text.StartsWith("@", StringComparison.Ordinal))
        {
            return Macros.Contains(text.ToLowerInvariant()) ? null : $"'{text}' is not a known macro ({string.Join(", ", Macros)})";
        }

        var fields = text.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
        Kind[] kinds;
        if (fields.Length == 6)
        {
            kinds = new[] { Kind.Second, Kind.Minute, Kind.Hour, Kind.DayOfMonth, Kind.Month, Kind.DayOfWeek };
        }
        else if (fields.Length == 5)
        {
            kinds = new[] { Kind.Minute, Kind.Hour, Kind.DayOfMonth, Kind.Month, Kind.DayOfWeek };
        }
        else
        {
            return $"it has {fields.Length} fields; use 5 (minute hour day-of-month month day-of-week) or 6 with seconds first";
        }

        for (var i = 0; i < fields.Length; i++)
        {
            foreach (var item in fields[i].Split(','))
            {
                if (CheckItem(item, kinds[i]) is { } error)
                {
                    return $"the {Describe(kinds[i])} field '{fields[i]}' {error}";
                }
            }
        }

        return null;
    }

    private static string? CheckItem(string item, Kind kind)
    {
        var (min, max) = Bounds(kind);
        if (item.Length == 0)
        {
            return "has an empty list item";
        }

        var upper = item.ToUpperInvariant();
        if (kind == Kind.DayOfMonth && (upper == "L" || upper == "LW" || (upper.StartsWith("L-", StringComparison.Ordinal) && IsNumberIn(upper.Substring(2), 0, 30))
            || (upper.EndsWith("W", StringComparison.Ordinal) && IsNumberIn(upper.Substring(0, upper.Length - 1), 1, 31))))
        {
            return null;
        }

        if (kind == Kind.DayOfWeek && upper.EndsWith("L", StringComparison.Ordinal) && upper.Length > 1)
        {
            return Value(upper.Substring(0, upper.Length - 1), kind, min, max) is null ? $"has a bad day '{item}'" : null;
        }

        if (kind == Kind.DayOfWeek && upper.IndexOf('#') is var hash and > 0)
        {
            return Value(upper.Substring(0, hash), kind, min, max) is not null && IsNumberIn(upper.Substring(hash + 1), 1, 5) ? null : $"has a bad '#' item '{item}' (day#1 to day#5)";
        }

        var slash = upper.IndexOf('/');
        var range = slash < 0 ? upper : upper.Substring(0, slash);
        if (slash >= 0 && !IsNumberIn(upper.Substring(slash + 1), 1, max))
        {
            return $"has a bad step in '{item}' (1 to {max})";
        }

        if (range == "*" || (range == "?" && kind is Kind.DayOfMonth or Kind.DayOfWeek))
        {
            return null;
        }

        var dash = range.IndexOf('-');
        if (dash < 0)
        {
            return Value(range, kind, min, max) is null ? $"has '{item}', which is not {Expected(kind, min, max)}" : null;
        }

        var from = Value(range.Substring(0, dash), kind, min, max);
        var to = Value(range.Substring(dash + 1), kind, min, max);
        if (from is null || to is null)
        {
            return $"has the range '{item}', whose ends must be {Expected(kind, min, max)}";
        }

        return null;
    }

    private static int? Value(string text, Kind kind, int min, int max)
    {
        if (kind == Kind.Month && Array.IndexOf(Months, text) is var month and >= 0)
        {
            return month + 1;
        }

        if (kind == Kind.DayOfWeek && Array.IndexOf(Days, text) is var day and >= 0)
        {
            return day;
        }

        return IsNumberIn(text, min, max) ? int.Parse(text, CultureInfo.InvariantCulture) : null;
    }

    private static bool IsNumberIn(string text, int min, int max)
        => text.Length is > 0 and <= 4 && text.All(c => c is >= '0' and <= '9') && int.Parse(text, CultureInfo.InvariantCulture) is var n && n >= min && n <= max;

    private static (int Min, int Max) Bounds(Kind kind) => kind switch
    {
        Kind.Second or Kind.Minute => (0, 59),
        Kind.Hour => (0, 23),
        Kind.DayOfMonth => (1, 31),
        Kind.Month => (1, 12),
        _ => (0, 7),
    };

    private static string Expected(Kind kind, int min, int max) => kind switch
    {
        Kind.Month => $"{min}-{max} or JAN-DEC",
        Kind.DayOfWeek => $"{min}-{max} or SUN-SAT",
        _ => $"{min}-{max}",
    };

    private static string Describe(Kind kind) => kind switch
    {
        Kind.Second => "second",
        Kind.Minute => "minute",
        Kind.Hour => "hour",
        Kind.DayOfMonth => "day-of-month",
        Kind.Month => "month",
        _ => "day-of-week",
    };
}
