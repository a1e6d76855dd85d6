using System;
using System.Collections.Generic;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dbos.AspNetCore.Dashboard;

// The JSON the dashboard's page reads (camelCase). Times are ISO 8601 UTC; values are stored text, pretty-printed when JSON.

internal sealed record DashboardInfo(string ExecutorId, string ApplicationVersion, string? ApplicationName, int RefreshIntervalMs, int MaxValueLength, string User, DateTimeOffset Now);

internal sealed record WorkflowSummary(
    string WorkflowId,
    string Status,
    string? Name,
    string? ClassName,
    string? QueueName,
    string? ExecutorId,
    string? ApplicationVersion,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? CompletedAt,
    long? DurationMs,
    long RecoveryAttempts,
    string? ParentWorkflowId,
    string? ForkedFrom,
    string? AuthenticatedUser,
    string? AssumedRole,
    bool OtherVersion);

internal sealed record WorkflowPage(IReadOnlyList<WorkflowSummary> Workflows, int Offset, int Limit, bool HasMore);

/// <summary>A stored value: its text (cut at the dashboard's limit unless the whole was asked for) and its whole length.</summary>
internal sealed record DashboardValue(string Text, int Length, bool Truncated, bool Json, string? Serialization);

internal sealed record WorkflowDetail(
    WorkflowSummary Workflow,
    string? ConfigName,
    IReadOnlyList<string> AuthenticatedRoles,
    long? TimeoutMs,
    DateTimeOffset? Deadline,
    DateTimeOffset? DequeuedAt,
    DateTimeOffset? DelayUntil,
    string? DeduplicationId,
    int Priority,
    string? PartitionKey,
    bool WasForkedFrom,
    string? Serialization,
    DashboardValue? Input,
    DashboardValue? Output,
    DashboardValue? Error,
    IReadOnlyList<WorkflowSummary> Children,
    IReadOnlyList<WorkflowSummary> Forks,
    bool CanCancel,
    bool CanResume);

internal sealed record StepView(int FunctionId, string Name, string? ChildWorkflowId, DateTimeOffset? StartedAt, DateTimeOffset? CompletedAt, long? DurationMs, DashboardValue? Output, DashboardValue? Error);

internal sealed record EventView(string Key, DashboardValue Value);

internal sealed record MessageView(string MessageId, string? Topic, DashboardValue Value, DateTimeOffset SentAt, bool Consumed);

internal sealed record EventsView(IReadOnlyList<EventView> Events, IReadOnlyList<MessageView> Messages, bool MoreMessages);

internal sealed record RateLimitView(int Limit, double PeriodSeconds);

internal sealed record QueueView(
    string Name,
    bool Registered,
    bool Internal,
    int? Concurrency,
    int? WorkerConcurrency,
    RateLimitView? RateLimit,
    int? PartitionConcurrency,
    long Enqueued,
    long Delayed,
    long Pending);

/// <summary>A version: registered (with its times), or only named by unfinished workflows (<see cref="Registered"/> false).</summary>
internal sealed record VersionView(string VersionName, string? VersionId, bool Registered, DateTimeOffset? Timestamp, DateTimeOffset? CreatedAt, bool Latest, bool Current, long Pending, long Enqueued);

internal sealed record ExecutorView(string? ExecutorId, string? ApplicationVersion, long Pending, bool ThisProcess, bool OtherVersion);

internal sealed record VersionsView(string CurrentVersion, string ExecutorId, IReadOnlyList<VersionView> Versions, IReadOnlyList<ExecutorView> Executors);

internal sealed record ScheduleView(string ScheduleName, string WorkflowName, string? WorkflowClassName, string Cron, string Status, DateTimeOffset? LastFiredAt, string? TimeZone, string? Queue, bool AutomaticBackfill);

internal sealed record ActionResult(string WorkflowId, string Action, string? Status, string? NewWorkflowId, string Message);

internal sealed record ProblemView(string Error);

internal sealed record ForkRequest(int StartStep, string? ApplicationVersion, string? NewWorkflowId);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(DashboardInfo))]
[JsonSerializable(typeof(WorkflowPage))]
[JsonSerializable(typeof(WorkflowDetail))]
[JsonSerializable(typeof(IReadOnlyList<StepView>))]
[JsonSerializable(typeof(EventsView))]
[JsonSerializable(typeof(IReadOnlyList<QueueView>))]
[JsonSerializable(typeof(VersionsView))]
[JsonSerializable(typeof(IReadOnlyList<ScheduleView>))]
[JsonSerializable(typeof(ActionResult))]
[JsonSerializable(typeof(ProblemView))]
[JsonSerializable(typeof(ForkRequest))]
internal sealed partial class DashboardJsonContext : JsonSerializerContext;
