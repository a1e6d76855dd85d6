using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace Dbos.Cli;

internal static class CliJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>A stored value as JSON when it is JSON (every DBOS serialization is), else as a string.</summary>
    public static JsonNode? Payload(string? stored)
    {
        if (stored is null)
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(stored);
        }
        catch (JsonException)
        {
            return JsonValue.Create(stored);
        }
    }
}

/// <summary>A workflow as <c>--json</c> writes it: the status row, times in ISO 8601 UTC.</summary>
internal sealed record WorkflowJson(
    string WorkflowId, string Status, string? Name, string? ClassName, string? QueueName, string? ExecutorId, string? ApplicationVersion,
    string? ApplicationName, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? CompletedAt, DateTimeOffset? DequeuedAt,
    long RecoveryAttempts, string? ParentWorkflowId, string? ForkedFrom, string? AuthenticatedUser, IReadOnlyList<string> AuthenticatedRoles,
    string? DeduplicationId, int? Priority, string? PartitionKey, double? TimeoutSeconds, DateTimeOffset? Deadline, string? Serialization,
    JsonNode? Input, JsonNode? Output, JsonNode? Error)
{
    public static WorkflowJson From(WorkflowStatus w) => new(
        w.WorkflowId, w.Status, w.Name, w.ClassName, w.QueueName, w.ExecutorId, w.ApplicationVersion, w.ApplicationName,
        w.CreatedAt.ToUniversalTime(), w.UpdatedAt.ToUniversalTime(), w.CompletedAt?.ToUniversalTime(), w.DequeuedAt?.ToUniversalTime(),
        w.RecoveryAttempts, w.ParentWorkflowId, w.ForkedFrom, w.AuthenticatedUser, w.AuthenticatedRoles, w.DeduplicationId, w.Priority,
        w.PartitionKey, w.Timeout?.TotalSeconds, w.Deadline?.ToUniversalTime(), w.Serialization,
        CliJson.Payload(w.SerializedInput), CliJson.Payload(w.SerializedOutput), CliJson.Payload(w.SerializedError));
}

/// <summary>A recorded operation as <c>--json</c> writes it.</summary>
internal sealed record StepJson(int FunctionId, string Name, string? ChildWorkflowId, DateTimeOffset? StartedAt, DateTimeOffset? CompletedAt, JsonNode? Output, JsonNode? Error)
{
    public static StepJson From(WorkflowStep s) => new(s.FunctionId, s.Name, s.ChildWorkflowId, s.StartedAt?.ToUniversalTime(), s.CompletedAt?.ToUniversalTime(),
        CliJson.Payload(s.SerializedOutput), CliJson.Payload(s.SerializedError));
}

/// <summary>A stored schedule as <c>--json</c> writes it: the <c>workflow_schedules</c> row, its context as JSON.</summary>
internal sealed record ScheduleJson(
    string ScheduleId, string ScheduleName, string Status, string WorkflowName, string? WorkflowClassName, string Cron, string? TimeZone,
    string? Queue, string? ApplicationName, bool AutomaticBackfill, DateTimeOffset? LastFiredAt, JsonNode? Context)
{
    public static ScheduleJson From(WorkflowSchedule s) => new(
        s.ScheduleId, s.ScheduleName, Format.ScheduleStatus(s.Status), s.WorkflowName, s.WorkflowClassName, s.Cron, s.TimeZone, s.Queue,
        s.ApplicationName, s.AutomaticBackfill, s.LastFiredAt?.ToUniversalTime(), s.GetContext<JsonNode>());
}

/// <summary>A registered application version as <c>--json</c> writes it.</summary>
internal sealed record VersionJson(string VersionName, string VersionId, bool Latest, DateTimeOffset Timestamp, DateTimeOffset CreatedAt, string? ApplicationName)
{
    public static IReadOnlyList<VersionJson> From(IReadOnlyList<ApplicationVersionInfo> versions)
        => versions.Select((v, i) => new VersionJson(v.VersionName, v.VersionId, IsLatest(versions, i), v.Timestamp.ToUniversalTime(), v.CreatedAt.ToUniversalTime(), v.ApplicationName)).ToList();

    /// <summary>The list is latest first, so a version is its application's latest when no earlier row has the same application.</summary>
    public static bool IsLatest(IReadOnlyList<ApplicationVersionInfo> versions, int index)
    {
        for (var i = 0; i < index; i++)
        {
            if (string.Equals(versions[i].ApplicationName, versions[index].ApplicationName, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>Tables for people: statuses in colour, times relative and absolute.</summary>
internal static class Format
{
    public static string Status(string status)
    {
        var colour = status switch
        {
            "SUCCESS" => "green",
            "ERROR" => "red",
            "MAX_RECOVERY_ATTEMPTS_EXCEEDED" => "red bold",
            "PENDING" => "yellow",
            "ENQUEUED" => "blue",
            "DELAYED" => "purple",
            "CANCELLED" => "grey",
            _ => "default",
        };
        return $"[{colour}]{Markup.Escape(status)}[/]";
    }

    /// <summary>"3m ago (2026-12-01 11:25:03Z)".</summary>
    public static string Time(DateTimeOffset? time, DateTimeOffset now)
    {
        if (time is not { } t)
        {
            return "";
        }

        var absolute = t.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        return $"{Relative(now - t)} ({absolute})";
    }

    public static string Relative(TimeSpan age)
    {
        var future = age < TimeSpan.Zero;
        var a = future ? -age : age;
        var text = a.TotalSeconds < 1 ? "now"
            : a.TotalMinutes < 1 ? $"{(int)a.TotalSeconds}s"
            : a.TotalHours < 1 ? $"{(int)a.TotalMinutes}m"
            : a.TotalDays < 1 ? $"{(int)a.TotalHours}h"
            : $"{(int)a.TotalDays}d";
        return text == "now" ? text : future ? "in " + text : text + " ago";
    }

    public static string Text(string? value) => Markup.Escape(value ?? "");

    /// <summary>A stored value shortened for a table cell.</summary>
    public static string Short(string? value, int max = 60)
    {
        if (value is null)
        {
            return "";
        }

        var oneLine = value.ReplaceLineEndings(" ");
        return Markup.Escape(oneLine.Length <= max ? oneLine : string.Concat(oneLine.AsSpan(0, max - 1), "…"));
    }

    public static Table WorkflowTable(IEnumerable<WorkflowStatus> workflows, DateTimeOffset now)
    {
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var column in new[] { "Workflow ID", "Status", "Name", "Class", "Queue", "Executor", "Created", "Updated" })
        {
            table.AddColumn(new TableColumn(column).NoWrap());
        }

        foreach (var w in workflows)
        {
            table.AddRow(Text(w.WorkflowId), Status(w.Status), Text(w.Name), Text(w.ClassName), Text(w.QueueName), Text(w.ExecutorId),
                Text(Time(w.CreatedAt, now)), Text(Time(w.UpdatedAt, now)));
        }

        return table;
    }

    public static Grid WorkflowDetails(WorkflowStatus w, DateTimeOffset now)
    {
        var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
        void Row(string label, string? markup)
        {
            if (!string.IsNullOrEmpty(markup))
            {
                grid.AddRow($"[bold]{label}[/]", markup);
            }
        }

        Row("Workflow ID", Text(w.WorkflowId));
        Row("Status", Status(w.Status));
        Row("Name", Text(w.Name));
        Row("Class", Text(w.ClassName));
        Row("Queue", Text(w.QueueName));
        Row("Executor", Text(w.ExecutorId));
        Row("App version", Text(w.ApplicationVersion));
        Row("App name", Text(w.ApplicationName));
        Row("Created", Text(Time(w.CreatedAt, now)));
        Row("Updated", Text(Time(w.UpdatedAt, now)));
        Row("Dequeued", Text(Time(w.DequeuedAt, now)));
        Row("Completed", Text(Time(w.CompletedAt, now)));
        Row("Recovery attempts", w.RecoveryAttempts.ToString(CultureInfo.InvariantCulture));
        Row("Parent", Text(w.ParentWorkflowId));
        Row("Forked from", Text(w.ForkedFrom));
        Row("User", Text(w.AuthenticatedUser));
        Row("Roles", Text(string.Join(", ", w.AuthenticatedRoles)));
        Row("Deduplication ID", Text(w.DeduplicationId));
        Row("Priority", w.Priority is { } p and not 0 ? p.ToString(CultureInfo.InvariantCulture) : null);
        Row("Partition", Text(w.PartitionKey));
        Row("Timeout", w.Timeout is { } t ? Text(t.ToString("c", CultureInfo.InvariantCulture)) : null);
        Row("Deadline", Text(Time(w.Deadline, now)));
        Row("Serialization", Text(w.Serialization));
        Row("Input", Short(w.SerializedInput, 200));
        Row("Output", Short(w.SerializedOutput, 200));
        Row("Error", w.SerializedError is null ? null : "[red]" + Short(w.SerializedError, 200) + "[/]");
        return grid;
    }

    public static Table StepTable(IEnumerable<WorkflowStep> steps, DateTimeOffset now)
    {
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var column in new[] { "#", "Step", "Child workflow", "Started", "Duration", "Output / error" })
        {
            table.AddColumn(new TableColumn(column).NoWrap());
        }

        foreach (var s in steps)
        {
            var duration = s.StartedAt is { } start && s.CompletedAt is { } end ? $"{(end - start).TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)} ms" : "";
            var result = s.SerializedError is not null ? "[red]" + Short(s.SerializedError) + "[/]" : Short(s.SerializedOutput);
            table.AddRow(s.FunctionId.ToString(CultureInfo.InvariantCulture), Text(s.Name), Text(s.ChildWorkflowId), Text(Time(s.StartedAt, now)), duration, result);
        }

        return table;
    }

    /// <summary>The status as DBOS stores it: <c>ACTIVE</c> or <c>PAUSED</c>.</summary>
    public static string ScheduleStatus(ScheduleStatus status) => status == Dbos.ScheduleStatus.Paused ? "PAUSED" : "ACTIVE";

    private static string ScheduleStatusMarkup(ScheduleStatus status) => status == Dbos.ScheduleStatus.Paused ? "[grey]PAUSED[/]" : "[green]ACTIVE[/]";

    public static Table ScheduleTable(IEnumerable<WorkflowSchedule> schedules, DateTimeOffset now)
    {
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var column in new[] { "Schedule", "Status", "Workflow", "Class", "Cron", "Time zone", "Queue", "Last fired" })
        {
            table.AddColumn(new TableColumn(column).NoWrap());
        }

        foreach (var s in schedules)
        {
            table.AddRow(Text(s.ScheduleName), ScheduleStatusMarkup(s.Status), Text(s.WorkflowName), Text(s.WorkflowClassName), Text(s.Cron),
                Text(s.TimeZone ?? "UTC"), Text(s.Queue), Text(Time(s.LastFiredAt, now)));
        }

        return table;
    }

    public static Grid ScheduleDetails(WorkflowSchedule s, DateTimeOffset now)
    {
        var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
        void Row(string label, string? markup)
        {
            if (!string.IsNullOrEmpty(markup))
            {
                grid.AddRow($"[bold]{label}[/]", markup);
            }
        }

        Row("Schedule", Text(s.ScheduleName));
        Row("Schedule ID", Text(s.ScheduleId));
        Row("Status", ScheduleStatusMarkup(s.Status));
        Row("Workflow", Text(s.WorkflowName));
        Row("Class", Text(s.WorkflowClassName));
        Row("Cron", Text(s.Cron));
        Row("Time zone", Text(s.TimeZone ?? "UTC"));
        Row("Queue", Text(s.Queue));
        Row("App name", Text(s.ApplicationName));
        Row("Automatic backfill", s.AutomaticBackfill ? "yes" : "no");
        Row("Last fired", Text(Time(s.LastFiredAt, now)));
        Row("Context", Short(s.GetContext<JsonNode>()?.ToJsonString(), 200));
        return grid;
    }

    /// <summary>The versions latest first, as <see cref="DbosClient.ListApplicationVersionsAsync"/> returns them.</summary>
    public static Table VersionTable(IReadOnlyList<ApplicationVersionInfo> versions, DateTimeOffset now)
    {
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var column in new[] { "Version", "Latest", "Application", "Made latest", "Registered" })
        {
            table.AddColumn(new TableColumn(column).NoWrap());
        }

        for (var i = 0; i < versions.Count; i++)
        {
            var v = versions[i];
            table.AddRow(Text(v.VersionName), VersionJson.IsLatest(versions, i) ? "[green]latest[/]" : "", Text(v.ApplicationName), Text(Time(v.Timestamp, now)), Text(Time(v.CreatedAt, now)));
        }

        return table;
    }

    public static IReadOnlyList<WorkflowJson> Json(IEnumerable<WorkflowStatus> workflows) => workflows.Select(WorkflowJson.From).ToList();
}
