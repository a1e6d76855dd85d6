using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading;
using System.Threading.Tasks;
using Dbos.Internal;
using Dbos.SystemDatabase;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dbos.Testing;

/// <summary>
/// A workflow as recorded in a system database: its name, class and stored input, and the operations it recorded (steps,
/// sleeps, messages, child workflows) with their stored outputs. Load it from a database (<see cref="LoadAsync(DbosRuntime, string, CancellationToken)"/>,
/// <see cref="LoadFromDatabaseAsync"/>) or from its JSON export (<see cref="FromJson"/>; format
/// <c>dbos-workflow-history</c> version 1, see docs/testing.md), and replay it against new code with <see cref="WorkflowReplayer"/>.
/// </summary>
public sealed class WorkflowHistory
{
    /// <summary>The <c>format</c> field of the JSON export.</summary>
    public const string JsonFormat = "dbos-workflow-history";

    /// <summary>The <c>version</c> of the JSON export this package writes and reads.</summary>
    public const int JsonVersion = 1;

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>Creates a history; the steps are ordered by function id, which must be unique.</summary>
    public WorkflowHistory(string workflowId, string name, string? className, string? status, string? applicationVersion, string? serialization, string? serializedInput, IEnumerable<WorkflowStep> steps)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(workflowId);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(steps);
        var ordered = steps.OrderBy(s => s.FunctionId).ToList();
        if (ordered.GroupBy(s => s.FunctionId).FirstOrDefault(g => g.Count() > 1) is { } duplicate)
        {
            throw new ArgumentException($"The history of workflow {workflowId} has two steps with function id {duplicate.Key}: each function id is recorded once.", nameof(steps));
        }

        if (ordered.FirstOrDefault(s => s.FunctionId < 0 || string.IsNullOrEmpty(s.Name)) is { } bad)
        {
            throw new ArgumentException($"The history of workflow {workflowId} has a step with function id {bad.FunctionId} and name '{bad.Name}': function ids are 0 or more and every step has a name.", nameof(steps));
        }

        WorkflowId = workflowId;
        Name = name;
        ClassName = className;
        Status = status;
        ApplicationVersion = applicationVersion;
        Serialization = serialization;
        SerializedInput = serializedInput;
        Steps = ordered;
    }

    /// <summary>The recorded workflow's ID.</summary>
    public string WorkflowId { get; }

    /// <summary>Its stored workflow name (<c>name</c>).</summary>
    public string Name { get; }

    /// <summary>Its stored class name (<c>class_name</c>), or null.</summary>
    public string? ClassName { get; }

    /// <summary>Its status when it was read (PENDING, SUCCESS, ERROR, ...), or null.</summary>
    public string? Status { get; }

    /// <summary>The application version it ran under, or null.</summary>
    public string? ApplicationVersion { get; }

    /// <summary>The serialization of <see cref="SerializedInput"/> (e.g. <c>portable_json</c>), or null for this SDK's default.</summary>
    public string? Serialization { get; }

    /// <summary>The stored arguments, or null.</summary>
    public string? SerializedInput { get; }

    /// <summary>The recorded operations, by function id.</summary>
    public IReadOnlyList<WorkflowStep> Steps { get; }

    /// <summary>Reads a workflow's history through a running runtime's management API (<c>ListWorkflowsAsync</c> with its input,
    /// and <c>ListWorkflowStepsAsync</c>).</summary>
    public static async Task<WorkflowHistory> LoadAsync(DbosRuntime runtime, string workflowId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentException.ThrowIfNullOrWhiteSpace(workflowId);
        var statuses = await runtime.ListWorkflowsAsync(new WorkflowFilter { WorkflowIds = [workflowId], LoadInput = true, LoadOutput = false }, cancellationToken).ConfigureAwait(false);
        if (statuses.Count == 0)
        {
            throw new NonExistentWorkflowException(workflowId);
        }

        var steps = await runtime.ListWorkflowStepsAsync(workflowId, cancellationToken).ConfigureAwait(false);
        return From(statuses[0], steps);
    }

    /// <summary>Reads a workflow's history from a system database (a PostgreSQL URL or connection string, or a SQLite file),
    /// without starting a runtime on it: nothing is written there.</summary>
    public static async Task<WorkflowHistory> LoadFromDatabaseAsync(string systemDatabaseUrl, string workflowId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(systemDatabaseUrl);
        ArgumentException.ThrowIfNullOrWhiteSpace(workflowId);
        var options = new DbosOptions { SystemDatabaseUrl = systemDatabaseUrl }.ResolveForRuntime();
        var database = SystemDatabaseFactory.Create(options, NullLogger.Instance);
        await using (database.ConfigureAwait(false))
        {
            var management = new WorkflowManagement(database, _ => Dbos.Serialization.PortableJsonSerializer.Default, TimeProvider.System, null);
            var statuses = await management.ListWorkflowsAsync(new WorkflowFilter { WorkflowIds = [workflowId], LoadInput = true, LoadOutput = false }, false, cancellationToken).ConfigureAwait(false);
            if (statuses.Count == 0)
            {
                throw new NonExistentWorkflowException(workflowId);
            }

            var steps = await management.ListWorkflowStepsAsync(workflowId, cancellationToken).ConfigureAwait(false);
            return From(statuses[0], steps);
        }
    }

    private static WorkflowHistory From(WorkflowStatus status, IReadOnlyList<WorkflowStep> steps)
        => new(status.WorkflowId, status.Name ?? throw new InvalidOperationException($"Workflow {status.WorkflowId} has no stored name, so it cannot be replayed."),
            status.ClassName, status.Status, status.ApplicationVersion, status.Serialization, status.SerializedInput, steps);

    /// <summary>The JSON export (format <c>dbos-workflow-history</c>, version 1): stored values are kept as the strings the
    /// database holds, so a replay reads exactly what was recorded.</summary>
    public string ToJson()
        => JsonSerializer.Serialize(new HistoryJson(JsonFormat, JsonVersion, WorkflowId, Name, ClassName, Status, ApplicationVersion, Serialization, SerializedInput,
            Steps.Select(s => new StepJson(s.FunctionId, s.Name, s.SerializedOutput, s.SerializedError, s.Serialization, s.ChildWorkflowId,
                s.StartedAt?.ToUnixTimeMilliseconds(), s.CompletedAt?.ToUnixTimeMilliseconds())).ToList()), JsonOptions);

    /// <summary>Reads a JSON export written by <see cref="ToJson"/> (or the <c>dbos</c> CLI). Throws <see cref="FormatException"/>
    /// saying what is wrong when it is not one.</summary>
    public static WorkflowHistory FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        HistoryJson? parsed;
        try
        {
            parsed = JsonSerializer.Deserialize<HistoryJson>(json, JsonOptions);
        }
        catch (JsonException e)
        {
            throw new FormatException($"This is not a workflow history export ({JsonFormat} JSON): {e.Message}", e);
        }

        if (parsed is null || parsed.Format != JsonFormat)
        {
            throw new FormatException($"This is not a workflow history export: its \"format\" must be \"{JsonFormat}\" (found {(parsed?.Format is null ? "none" : "\"" + parsed.Format + "\"")}).");
        }

        if (parsed.Version != JsonVersion)
        {
            throw new FormatException($"This workflow history export has version {parsed.Version}; this package reads version {JsonVersion}. Update Dbos.Testing.");
        }

        if (string.IsNullOrWhiteSpace(parsed.WorkflowId) || string.IsNullOrWhiteSpace(parsed.Name))
        {
            throw new FormatException("This workflow history export has no \"workflowId\" or no \"name\": both are required.");
        }

        try
        {
            return new WorkflowHistory(parsed.WorkflowId, parsed.Name, parsed.ClassName, parsed.Status, parsed.ApplicationVersion, parsed.Serialization, parsed.Input,
                (parsed.Steps ?? []).Select(s => new WorkflowStep(s.FunctionId, s.Name ?? string.Empty, s.ChildWorkflowId, FromMs(s.StartedAt), FromMs(s.CompletedAt))
                {
                    SerializedOutput = s.Output,
                    SerializedError = s.Error,
                    Serialization = s.Serialization,
                }));
        }
        catch (ArgumentException e)
        {
            throw new FormatException(e.Message, e);
        }
    }

    private static DateTimeOffset? FromMs(long? ms) => ms is { } value ? DateTimeOffset.FromUnixTimeMilliseconds(value) : null;

    private sealed record HistoryJson(string? Format, int Version, string? WorkflowId, string? Name, string? ClassName, string? Status, string? ApplicationVersion,
        string? Serialization, string? Input, List<StepJson>? Steps);

    private sealed record StepJson(int FunctionId, string? Name, string? Output, string? Error, string? Serialization, string? ChildWorkflowId, long? StartedAt, long? CompletedAt);
}
