using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Dbos.AspNetCore.Dashboard;

/// <summary>
/// The dashboard's routes under its mount path: the page and its two assets, a JSON API over the runtime's management calls
/// (GET, answered with an ETag and 304 when unchanged, so polling pages cost a query and no transfer), and POST actions that
/// need the <see cref="ActionHeader"/> header (a cross-site form cannot send it) and are written to the audit log.
/// </summary>
internal sealed class DashboardEndpoints
{
    /// <summary>The header every POST action must carry; the page sends it. Browsers only let other origins send it after a CORS preflight.</summary>
    public const string ActionHeader = "X-Dbos-Dashboard";

    /// <summary>The category of the audit log entries the actions write.</summary>
    public const string AuditCategory = "Dbos.AspNetCore.Dashboard";

    private const int DefaultPageSize = 50;
    private const int MaxPageSize = 500;
    private const int MaxRelated = 100;
    private const int MaxMessages = 100;
    private const int MaxPrettyPrinted = 1 << 20;

    private static readonly string[] s_statuses =
    [
        WorkflowStatuses.Pending, WorkflowStatuses.Enqueued, WorkflowStatuses.Delayed, WorkflowStatuses.Success,
        WorkflowStatuses.Error, WorkflowStatuses.Cancelled, WorkflowStatuses.MaxRecoveryAttemptsExceeded,
    ];

    private static readonly JsonWriterOptions s_indented = new() { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly DbosDashboardOptions _options;
    private readonly DashboardAccess _access;
    private readonly ILogger _audit;

    public DashboardEndpoints(DbosDashboardOptions options, ILoggerFactory loggers)
    {
        _options = options;
        _access = new DashboardAccess(options);
        _audit = loggers.CreateLogger(AuditCategory);
    }

    public void Map(IEndpointRouteBuilder group)
    {
        group.MapGet("/", Guard(DashboardAssets.ServePageAsync));
        group.MapGet("/dashboard.js", Guard(http => DashboardAssets.ServeAsync(http, DashboardAssets.Script)));
        group.MapGet("/dashboard.css", Guard(http => DashboardAssets.ServeAsync(http, DashboardAssets.Style)));
        group.MapGet("/api/info", Guard(InfoAsync));
        group.MapGet("/api/workflows", Guard(ListAsync));
        group.MapGet("/api/workflows/{id}", Guard(DetailAsync));
        group.MapGet("/api/workflows/{id}/steps", Guard(StepsAsync));
        group.MapGet("/api/workflows/{id}/events", Guard(EventsAsync));
        group.MapGet("/api/queues", Guard(QueuesAsync));
        group.MapGet("/api/versions", Guard(VersionsAsync));
        group.MapGet("/api/schedules", Guard(SchedulesAsync));
        group.MapPost("/api/workflows/{id}/cancel", Guard(http => ActAsync(http, "cancel")));
        group.MapPost("/api/workflows/{id}/resume", Guard(http => ActAsync(http, "resume")));
        group.MapPost("/api/workflows/{id}/fork", Guard(http => ActAsync(http, "fork")));
        group.MapPost("/api/workflows/{id}/delete", Guard(http => ActAsync(http, "delete")));
    }

    private RequestDelegate Guard(Func<HttpContext, Task> handler) => async http =>
    {
        if (!await _access.AdmitAsync(http).ConfigureAwait(false))
        {
            return;
        }

        try
        {
            await handler(http).ConfigureAwait(false);
        }
        catch (BadDashboardRequestException e)
        {
            await WriteAsync(http, new ProblemView(e.Message), DashboardJsonContext.Default.ProblemView, StatusCodes.Status400BadRequest).ConfigureAwait(false);
        }
        catch (NonExistentWorkflowException e)
        {
            await WriteAsync(http, new ProblemView(e.Message), DashboardJsonContext.Default.ProblemView, StatusCodes.Status404NotFound).ConfigureAwait(false);
        }
        catch (WorkflowConflictIdException e)
        {
            await WriteAsync(http, new ProblemView(e.Message), DashboardJsonContext.Default.ProblemView, StatusCodes.Status409Conflict).ConfigureAwait(false);
        }
    };

    private static DbosRuntime Runtime(HttpContext http) => http.RequestServices.GetRequiredService<DbosRuntime>();

    private static string Id(HttpContext http) => http.Request.RouteValues["id"] as string ?? throw new BadDashboardRequestException("The URL names no workflow ID.");

    private Task InfoAsync(HttpContext http)
    {
        var runtime = Runtime(http);
        var info = new DashboardInfo(runtime.ExecutorId, runtime.ApplicationVersion, runtime.Options.ApplicationName,
            (int)_options.RefreshInterval.TotalMilliseconds, _options.MaxValueLength, DashboardAccess.UserName(http), runtime.Options.TimeProvider.GetUtcNow());
        return WriteAsync(http, info, DashboardJsonContext.Default.DashboardInfo);
    }

    private static async Task ListAsync(HttpContext http)
    {
        var runtime = Runtime(http);
        var query = http.Request.Query;
        var limit = IntParameter(query, "limit", DefaultPageSize, 1, MaxPageSize);
        var offset = IntParameter(query, "offset", 0, 0, int.MaxValue);
        var filter = new WorkflowFilter
        {
            Statuses = Statuses(query["status"].ToString()),
            Name = Text(query, "name"),
            QueueName = Text(query, "queue"),
            WorkflowIdPrefix = Text(query, "prefix"),
            AuthenticatedUser = Text(query, "user"),
            ApplicationVersion = Text(query, "version"),
            ExecutorId = Text(query, "executor"),
            ParentWorkflowId = Text(query, "parent"),
            ApplicationName = Text(query, "app"),
            CreatedAfter = Time(query, "from"),
            CreatedBefore = Time(query, "to"),
            SortDescending = true,
            Limit = limit + 1,
            Offset = offset,
            LoadInput = false,
            LoadOutput = false,
        };
        var rows = await runtime.ListWorkflowsAsync(filter, http.RequestAborted).ConfigureAwait(false);
        var page = new WorkflowPage(rows.Take(limit).Select(w => Summary(w, runtime)).ToList(), offset, limit, rows.Count > limit);
        await WriteAsync(http, page, DashboardJsonContext.Default.WorkflowPage).ConfigureAwait(false);
    }

    private async Task DetailAsync(HttpContext http)
    {
        var runtime = Runtime(http);
        var id = Id(http);
        var full = IsFull(http);
        var cancel = http.RequestAborted;
        var status = (await runtime.ListWorkflowsAsync(new WorkflowFilter { WorkflowIds = [id] }, cancel).ConfigureAwait(false)).FirstOrDefault()
            ?? throw new NonExistentWorkflowException(id);
        var children = await runtime.ListWorkflowsAsync(new WorkflowFilter { ParentWorkflowId = id, Limit = MaxRelated, LoadInput = false, LoadOutput = false }, cancel).ConfigureAwait(false);
        var forks = status.WasForkedFrom
            ? await runtime.ListWorkflowsAsync(new WorkflowFilter { ForkedFrom = id, Limit = MaxRelated, LoadInput = false, LoadOutput = false }, cancel).ConfigureAwait(false)
            : [];
        var active = status.Status is WorkflowStatuses.Pending or WorkflowStatuses.Enqueued or WorkflowStatuses.Delayed;
        var detail = new WorkflowDetail(
            Summary(status, runtime),
            status.ConfigName,
            status.AuthenticatedRoles,
            status.Timeout is { } timeout ? (long)timeout.TotalMilliseconds : null,
            status.Deadline,
            status.DequeuedAt,
            status.DelayUntil,
            status.DeduplicationId,
            status.Priority,
            status.PartitionKey,
            status.WasForkedFrom,
            status.Serialization,
            Value(status.SerializedInput, status.Serialization, full),
            Value(status.SerializedOutput, status.Serialization, full),
            Value(status.SerializedError, status.Serialization, full),
            children.Select(w => Summary(w, runtime)).ToList(),
            forks.Select(w => Summary(w, runtime)).ToList(),
            CanCancel: active,
            CanResume: status.Status is not (WorkflowStatuses.Success or WorkflowStatuses.Error));
        await WriteAsync(http, detail, DashboardJsonContext.Default.WorkflowDetail).ConfigureAwait(false);
    }

    private async Task StepsAsync(HttpContext http)
    {
        var full = IsFull(http);
        var steps = await Runtime(http).ListWorkflowStepsAsync(Id(http), http.RequestAborted).ConfigureAwait(false);
        IReadOnlyList<StepView> views = steps.Select(s => new StepView(s.FunctionId, s.Name, s.ChildWorkflowId, s.StartedAt, s.CompletedAt,
            s.StartedAt is { } started && s.CompletedAt is { } completed ? (long)(completed - started).TotalMilliseconds : null,
            Value(s.SerializedOutput, s.Serialization, full), Value(s.SerializedError, s.Serialization, full))).ToList();
        await WriteAsync(http, views, DashboardJsonContext.Default.IReadOnlyListStepView).ConfigureAwait(false);
    }

    private async Task EventsAsync(HttpContext http)
    {
        var runtime = Runtime(http);
        var id = Id(http);
        var full = IsFull(http);
        _ = await runtime.GetWorkflowStatusAsync(id, http.RequestAborted).ConfigureAwait(false) ?? throw new NonExistentWorkflowException(id);
        var events = await runtime.ListWorkflowEventsAsync(id, http.RequestAborted).ConfigureAwait(false);
        var messages = await runtime.ListWorkflowMessagesAsync(id, MaxMessages + 1, http.RequestAborted).ConfigureAwait(false);
        var view = new EventsView(
            events.Select(e => new EventView(e.Key, Value(e.Value, e.Serialization, full)!)).ToList(),
            messages.Take(MaxMessages).Select(m => new MessageView(m.MessageUuid, m.Topic, Value(m.Message, m.Serialization, full)!,
                DateTimeOffset.FromUnixTimeMilliseconds(m.CreatedAt), m.Consumed)).ToList(),
            messages.Count > MaxMessages);
        await WriteAsync(http, view, DashboardJsonContext.Default.EventsView).ConfigureAwait(false);
    }

    private static async Task QueuesAsync(HttpContext http)
    {
        var runtime = Runtime(http);
        var activity = (await runtime.CountQueueActivityAsync(http.RequestAborted).ConfigureAwait(false)).ToDictionary(a => a.QueueName, StringComparer.Ordinal);
        var views = new List<QueueView>();
        foreach (var queue in runtime.Options.Queues)
        {
            activity.Remove(queue.Name, out var counts);
            views.Add(new QueueView(queue.Name, true, false, queue.Concurrency, queue.WorkerConcurrency,
                queue.RateLimit is { } rate ? new RateLimitView(rate.Limit, rate.Period.TotalSeconds) : null,
                queue.PartitionConcurrency, counts.Enqueued, counts.Delayed, counts.Pending));
        }

        activity.Remove(WorkflowQueue.InternalQueueName, out var internalCounts);
        views.Add(new QueueView(WorkflowQueue.InternalQueueName, true, true, null, null, null, null, internalCounts.Enqueued, internalCounts.Delayed, internalCounts.Pending));

        // Queues that other processes registered: their limits are theirs to know.
        views.AddRange(activity.Values.OrderBy(a => a.QueueName, StringComparer.Ordinal)
            .Select(a => new QueueView(a.QueueName, false, false, null, null, null, null, a.Enqueued, a.Delayed, a.Pending)));
        await WriteAsync(http, (IReadOnlyList<QueueView>)views, DashboardJsonContext.Default.IReadOnlyListQueueView).ConfigureAwait(false);
    }

    private static async Task VersionsAsync(HttpContext http)
    {
        var runtime = Runtime(http);
        var cancel = http.RequestAborted;
        var versions = await runtime.ListApplicationVersionsAsync(cancel).ConfigureAwait(false);
        var backlog = (await runtime.CountOtherVersionsAsync(cancel).ConfigureAwait(false)).ToDictionary(b => b.Version, StringComparer.Ordinal);
        var executors = await runtime.CountExecutorActivityAsync(cancel).ConfigureAwait(false);
        var latest = versions.Count > 0 ? versions[0].VersionName : null;
        var views = versions.Select(v =>
        {
            backlog.Remove(v.VersionName, out var left);
            return new VersionView(v.VersionName, v.VersionId, true, v.Timestamp, v.CreatedAt, v.VersionName == latest,
                v.VersionName == runtime.ApplicationVersion, left.Pending, left.Enqueued);
        }).ToList();

        // Work may name a version no process registered here (enqueued for it by a client, or its rows were cleaned up).
        views.AddRange(backlog.Values.Select(b => new VersionView(b.Version, null, false, null, null, false, false, b.Pending, b.Enqueued)));
        var view = new VersionsView(runtime.ApplicationVersion, runtime.ExecutorId, views,
            executors.Select(e => new ExecutorView(e.ExecutorId, e.ApplicationVersion, e.Pending, e.ExecutorId == runtime.ExecutorId && e.ApplicationVersion == runtime.ApplicationVersion,
                e.ApplicationVersion is { Length: > 0 } version && version != runtime.ApplicationVersion)).ToList());
        await WriteAsync(http, view, DashboardJsonContext.Default.VersionsView).ConfigureAwait(false);
    }

    private static async Task SchedulesAsync(HttpContext http)
    {
        var schedules = await Runtime(http).ListSchedulesAsync(cancellationToken: http.RequestAborted).ConfigureAwait(false);
        IReadOnlyList<ScheduleView> views = schedules.Select(s => new ScheduleView(s.ScheduleName, s.WorkflowName, s.WorkflowClassName, s.Cron,
            s.Status == ScheduleStatus.Paused ? "PAUSED" : "ACTIVE", s.LastFiredAt, s.TimeZone, s.Queue, s.AutomaticBackfill)).ToList();
        await WriteAsync(http, views, DashboardJsonContext.Default.IReadOnlyListScheduleView).ConfigureAwait(false);
    }

    private async Task ActAsync(HttpContext http, string action)
    {
        if (string.IsNullOrEmpty(http.Request.Headers[ActionHeader].ToString()))
        {
            await WriteAsync(http, new ProblemView(
                $"Dashboard actions need the header {ActionHeader} (the dashboard's page sends it), so that forms on other sites cannot act here."),
                DashboardJsonContext.Default.ProblemView, StatusCodes.Status400BadRequest).ConfigureAwait(false);
            return;
        }

        var runtime = Runtime(http);
        var id = Id(http);
        var user = DashboardAccess.UserName(http);
        var cancel = http.RequestAborted;
        var children = string.Equals(http.Request.Query["children"], "true", StringComparison.OrdinalIgnoreCase);
        ActionResult result;
        try
        {
            switch (action)
            {
                case "cancel":
                    var finished = await FinishedAsync(runtime, id, cancel).ConfigureAwait(false);
                    await runtime.CancelWorkflowAsync(id, children, cancel).ConfigureAwait(false);
                    result = await AfterAsync(runtime, id, action, null,
                        finished is not null ? $"It had finished ({finished}): left as it is." : children ? "Cancelled, with its children." : "Cancelled.", cancel).ConfigureAwait(false);
                    break;
                case "resume":
                    var done = await FinishedAsync(runtime, id, cancel).ConfigureAwait(false);
                    await runtime.ResumeWorkflowAsync(id, cancellationToken: cancel).ConfigureAwait(false);
                    result = await AfterAsync(runtime, id, action, null,
                        done is not null ? $"It had finished ({done}): left as it is; fork it to run it again." : "Resumed: it runs again from its last completed step.", cancel).ConfigureAwait(false);
                    break;
                case "delete":
                    await runtime.DeleteWorkflowAsync(id, children, cancel).ConfigureAwait(false);
                    result = new ActionResult(id, action, null, null, children ? "Deleted, with its children." : "Deleted.");
                    break;
                default:
                    var fork = await ReadForkAsync(http).ConfigureAwait(false);
                    var handle = await runtime.ForkWorkflowAsync(id, fork.StartStep,
                        new WorkflowOptions { ApplicationVersion = NullIfBlank(fork.ApplicationVersion), WorkflowId = NullIfBlank(fork.NewWorkflowId) }, cancel).ConfigureAwait(false);
                    result = await AfterAsync(runtime, id, action, handle.WorkflowId, $"Forked from step {fork.StartStep} as {handle.WorkflowId}.", cancel).ConfigureAwait(false);
                    break;
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _audit.LogWarning("Dashboard: {User} tried to {Action} workflow {WorkflowId}, which failed: {Error}", user, action, id, e.Message);
            throw;
        }

        _audit.LogInformation("Dashboard: {User} did {Action} on workflow {WorkflowId} (from {RemoteAddress}): {Outcome}",
            user, action, id, http.Connection.RemoteIpAddress?.ToString() ?? "-", result.Message);
        await WriteAsync(http, result, DashboardJsonContext.Default.ActionResult).ConfigureAwait(false);
    }

    /// <summary>SUCCESS or ERROR when the workflow finished (cancel and resume leave it so), else null.</summary>
    /// <exception cref="NonExistentWorkflowException">No workflow has this ID.</exception>
    private static async Task<string?> FinishedAsync(DbosRuntime runtime, string id, CancellationToken cancel)
    {
        var status = await runtime.GetWorkflowStatusAsync(id, cancel).ConfigureAwait(false) ?? throw new NonExistentWorkflowException(id);
        return status.Status is WorkflowStatuses.Success or WorkflowStatuses.Error ? status.Status : null;
    }

    private static async Task<ActionResult> AfterAsync(DbosRuntime runtime, string id, string action, string? newId, string message, CancellationToken cancel)
    {
        var status = await runtime.GetWorkflowStatusAsync(newId ?? id, cancel).ConfigureAwait(false);
        return new ActionResult(id, action, status?.Status, newId, message);
    }

    private static async Task<ForkRequest> ReadForkAsync(HttpContext http)
    {
        if (!http.Request.HasJsonContentType())
        {
            throw new BadDashboardRequestException("A fork needs a JSON body, e.g. {\"startStep\": 2}, with Content-Type application/json.");
        }

        ForkRequest? fork;
        try
        {
            fork = await http.Request.ReadFromJsonAsync(DashboardJsonContext.Default.ForkRequest, http.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            throw new BadDashboardRequestException($"The fork's body is not valid JSON ({e.Message}); send e.g. {{\"startStep\": 2}}.");
        }

        if (fork is null || fork.StartStep < 0)
        {
            throw new BadDashboardRequestException("startStep must be 0 or more: the first step (function id) the fork runs anew.");
        }

        return fork;
    }

    private static WorkflowSummary Summary(WorkflowStatus w, DbosRuntime runtime) => new(
        w.WorkflowId, w.Status, w.Name, w.ClassName, w.QueueName, w.ExecutorId, w.ApplicationVersion, w.CreatedAt, w.UpdatedAt, w.CompletedAt,
        w.CompletedAt is { } completed ? (long)(completed - w.CreatedAt).TotalMilliseconds : null,
        w.RecoveryAttempts, w.ParentWorkflowId, w.ForkedFrom, w.AuthenticatedUser, w.AssumedRole,
        OtherVersion: w.Status is WorkflowStatuses.Pending or WorkflowStatuses.Enqueued && w.ApplicationVersion is { Length: > 0 } version && version != runtime.ApplicationVersion);

    /// <summary>A stored value for the page: pretty-printed when it is JSON, cut at the limit unless <paramref name="full"/>.</summary>
    private DashboardValue? Value(string? stored, string? serialization, bool full)
    {
        if (stored is null)
        {
            return null;
        }

        var text = stored;
        var json = false;
        if (stored.Length <= MaxPrettyPrinted)
        {
            try
            {
                using var document = JsonDocument.Parse(stored);
                using var buffer = new System.IO.MemoryStream();
                using (var writer = new Utf8JsonWriter(buffer, s_indented))
                {
                    document.WriteTo(writer);
                }

                text = System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
                json = true;
            }
            catch (JsonException)
            {
                // Not JSON (another serializer's text): shown as stored.
            }
        }

        var cut = !full && text.Length > _options.MaxValueLength;
        return new DashboardValue(cut ? text[.._options.MaxValueLength] : text, text.Length, cut, json, serialization);
    }

    private static bool IsFull(HttpContext http) => string.Equals(http.Request.Query["full"], "true", StringComparison.OrdinalIgnoreCase);

    private static string? NullIfBlank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    private static string? Text(IQueryCollection query, string name) => NullIfBlank(query[name].ToString());

    private static IReadOnlyCollection<string>? Statuses(string text)
    {
        var statuses = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => s.ToUpperInvariant()).Distinct().ToArray();
        foreach (var status in statuses)
        {
            if (!s_statuses.Contains(status))
            {
                throw new BadDashboardRequestException($"status: '{status}' is not a workflow status; use one or more of {string.Join(", ", s_statuses)}, separated by commas.");
            }
        }

        return statuses.Length == 0 ? null : statuses;
    }

    private static int IntParameter(IQueryCollection query, string name, int fallback, int min, int max)
    {
        if (Text(query, name) is not { } text)
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new BadDashboardRequestException($"{name}: '{text}' is not a whole number from {min} to {max}.");
    }

    private static DateTimeOffset? Time(IQueryCollection query, string name)
    {
        if (Text(query, name) is not { } text)
        {
            return null;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : throw new BadDashboardRequestException($"{name}: '{text}' is not a time; use ISO 8601, e.g. 2026-12-01T14:00:00Z (UTC unless it names an offset).");
    }

    /// <summary>Writes JSON; a GET answer carries a weak ETag of its bytes and becomes 304 when the caller already has them.</summary>
    private static async Task WriteAsync<T>(HttpContext http, T value, JsonTypeInfo<T> type, int status = StatusCodes.Status200OK)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(value, type);
        var response = http.Response;
        response.Headers.CacheControl = "no-cache";
        if (status == StatusCodes.Status200OK && HttpMethods.IsGet(http.Request.Method))
        {
            var etag = "W/\"" + Convert.ToHexString(SHA256.HashData(bytes).AsSpan(0, 12)) + "\"";
            response.Headers.ETag = etag;
            if (http.Request.Headers.IfNoneMatch.Any(v => v is not null && v.Split(',').Any(t => t.Trim() == etag)))
            {
                response.StatusCode = StatusCodes.Status304NotModified;
                return;
            }
        }

        response.StatusCode = status;
        response.ContentType = "application/json; charset=utf-8";
        await response.Body.WriteAsync(bytes, http.RequestAborted).ConfigureAwait(false);
    }
}

/// <summary>A query parameter or body the dashboard cannot use; its message says what to send instead.</summary>
internal sealed class BadDashboardRequestException(string message) : Exception(message);
