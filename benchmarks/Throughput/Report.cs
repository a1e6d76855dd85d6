using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dbos.Benchmarks.Throughput;

internal enum RowKind
{
    Rate,
    Latency,
    Memory,
    Launch,
}

/// <summary>One side's numbers for a row (ours or the peer's): named values as the peer prints them
/// (per_s, p50_ms, p99_ms, rss_mb, ms, ...), or a note saying why there are none.</summary>
internal sealed class Side
{
    public Dictionary<string, double> Values { get; } = new(StringComparer.Ordinal);

    public string? Note { get; set; }

    public bool HasValues => Values.Count > 0;

    public double? this[string key] => Values.TryGetValue(key, out var v) ? v : null;

    public static Side Missing(string note) => new() { Note = note };

    /// <summary>The median run of several (by rate, or by p50 latency), with the range of that value and the run count.</summary>
    public static Side Median(IReadOnlyList<Side> runs)
    {
        var measured = runs.Where(r => r.HasValues).ToList();
        if (measured.Count == 0)
        {
            return runs.Count > 0 ? runs[0] : Missing("not run");
        }

        var key = measured[0].Values.ContainsKey("per_s") ? "per_s" : measured[0].Values.ContainsKey("p50_ms") ? "p50_ms" : null;
        if (key is null || measured.Count == 1)
        {
            return measured[0];
        }

        var ordered = measured.OrderBy(r => r.Values[key]).ToList();
        var median = ordered[(ordered.Count - 1) / 2];
        median.Values["runs"] = measured.Count;
        median.Values[key + "_min"] = ordered[0].Values[key];
        median.Values[key + "_max"] = ordered[^1].Values[key];
        return median;
    }
}

internal sealed class RowResult(string id, string label, RowKind kind, string unit = "wf/s")
{
    public string Id { get; } = id;
    public string Label { get; } = label;
    public RowKind Kind { get; } = kind;
    public string Unit { get; } = unit;
    public Side Ours { get; set; } = Side.Missing("not run");
    public Side? Peer { get; set; }
}

internal static class Report
{
    public static readonly string[] AllRows =
    [
        "launch", "sequential", "concurrent", "empty_latency", "queue_throughput", "queue_latency", "queue_backlog_1k", "queue_backlog_100k", "send_recv", "waiters",
        "sqlite_sequential", "sqlite_concurrent", "sqlite_empty_latency",
        "list_1m", "list_1m_errors", "list_1m_name", "gc_batch",
        "insert_1", "insert_8", "pgbench_1", "pgbench_8",
    ];

    private static string F(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);

    public static string Value(RowResult row, Side? side)
    {
        if (side is null)
        {
            return "—";
        }

        if (!side.HasValues)
        {
            return side.Note ?? "n/a";
        }

        var text = row.Kind switch
        {
            RowKind.Rate => $"{F(side["per_s"] ?? 0, "0")} {row.Unit}" + (side["per_s_min"] is { } lo && side["per_s_max"] is { } hi ? $" ({F(lo, "0")}–{F(hi, "0")})" : string.Empty),
            RowKind.Latency => $"p50 {F(side["p50_ms"] ?? 0, "0.00")} ms, p99 {F(side["p99_ms"] ?? 0, "0.00")} ms",
            RowKind.Memory => MemoryText(side),
            RowKind.Launch => $"{F(side["ms"] ?? 0, "0")} ms",
            _ => "?",
        };
        if (side["cpu_us_per_wf"] is { } cpu)
        {
            text += $"; client CPU {F(cpu, "0")} µs/wf";
        }

        return side.Note is { } note ? $"{text} ({note})" : text;
    }

    private static string MemoryText(Side side)
    {
        var parts = new List<string>();
        var workflows = side["workflows"] ?? 0;
        if (side["rss_mb"] is { } rss)
        {
            parts.Add($"{F(workflows, "0")} waiting: RSS {F(rss, "0")} MB");
            if (workflows > 0)
            {
                parts.Add($"{F(rss * 1024 / workflows, "0.0")} KB/wf");
            }
        }

        if (side["peak_mb"] is { } peak)
        {
            parts.Add($"peak {F(peak, "0")} MB");
        }

        if (side["threads"] is { } threads)
        {
            parts.Add($"{F(threads, "0")} threads");
        }

        if (side["start_s"] is { } start)
        {
            parts.Add($"started in {F(start, "0.0")} s");
        }

        return string.Join(", ", parts);
    }

    public static string Ratio(RowResult row)
    {
        if (row.Peer is null || !row.Ours.HasValues || !row.Peer.HasValues)
        {
            return "—";
        }

        string R(double? ours, double? peer) => ours is { } o && peer is { } p && p > 0 ? F(o / p, "0.00") + "×" : "—";
        return row.Kind switch
        {
            RowKind.Rate => R(row.Ours["per_s"], row.Peer["per_s"]),
            RowKind.Latency => $"p50 {R(row.Ours["p50_ms"], row.Peer["p50_ms"])}, p99 {R(row.Ours["p99_ms"], row.Peer["p99_ms"])}",
            RowKind.Memory => "per wf " + R(PerWorkflow(row.Ours), PerWorkflow(row.Peer)),
            RowKind.Launch => R(row.Ours["ms"], row.Peer["ms"]),
            _ => "—",
        };
    }

    private static double? PerWorkflow(Side side)
        => side["rss_mb"] is { } rss && side["workflows"] is { } w && w > 0 ? rss / w : null;

    private static string Commits(RowResult row)
    {
        static string One(Side? side) => side?["tx_per_wf"] is { } tx ? F(tx, tx < 1 ? "0.00" : "0.0") : "—";
        if (row.Ours["tx_per_wf"] is null && row.Peer?["tx_per_wf"] is null)
        {
            return "—";
        }

        return $"{One(row.Ours)} / {One(row.Peer)}";
    }

    public static string Markdown(IReadOnlyList<RowResult> rows, bool withPeer)
    {
        var text = new StringBuilder();
        text.AppendLine(withPeer
            ? "| Measurement | This SDK (.NET) | DBOS TypeScript 5.3 | Ours / peer | Server transactions per workflow (ours / peer) |"
            : "| Measurement | This SDK (.NET) | Server transactions per workflow |");
        text.AppendLine(withPeer ? "|---|---|---|---|---|" : "|---|---|---|");
        foreach (var row in rows)
        {
            text.AppendLine(withPeer
                ? $"| {row.Label} | {Value(row, row.Ours)} | {Value(row, row.Peer)} | {Ratio(row)} | {Commits(row)} |"
                : $"| {row.Label} | {Value(row, row.Ours)} | {(row.Ours["tx_per_wf"] is { } tx ? F(tx, tx < 1 ? "0.00" : "0.0") : "—")} |");
        }

        return text.ToString();
    }

    public static JsonObject Json(IReadOnlyList<RowResult> rows, JsonObject machine, JsonObject settings, JsonArray targets)
    {
        static JsonNode? SideJson(Side? side)
        {
            if (side is null)
            {
                return null;
            }

            var o = new JsonObject();
            foreach (var (key, value) in side.Values.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                o[key] = Math.Round(value, 4);
            }

            if (side.Note is { } note)
            {
                o["note"] = note;
            }

            return o;
        }

        var array = new JsonArray();
        foreach (var row in rows)
        {
            array.Add(new JsonObject
            {
                ["row"] = row.Id,
                ["label"] = row.Label,
                ["ours"] = SideJson(row.Ours),
                ["peer"] = SideJson(row.Peer),
                ["ratio"] = Ratio(row),
            });
        }

        return new JsonObject
        {
            ["machine"] = machine,
            ["settings"] = settings,
            ["rows"] = array,
            ["targets"] = targets,
        };
    }

    public static void Write(string path, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    public static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
}
