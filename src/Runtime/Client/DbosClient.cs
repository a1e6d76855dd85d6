using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Dbos.Internal;
using Dbos.SystemDatabase;

namespace Dbos;

/// <summary>
/// Drives workflows from a process that does not run them (a web front end enqueuing into a worker fleet, a script, a tool): enqueue
/// by name or through a generated typed client (<c>new OrdersClient(client)</c>), send messages, read events, wait for results, and
/// every management call. It needs no workflow code, runs no executor, serves no queue and recovers nothing; it never creates or
/// migrates the schema (the first call fails with <see cref="DbosInitializationException"/> when the schema is absent or older).
/// The rows it writes are those of the DBOS TypeScript and Python clients: a C# or DBOS TypeScript worker runs them.
/// <code>await using var client = await DbosClient.ConnectAsync("postgresql://localhost/orders");
/// var handle = await client.EnqueueAsync&lt;string&gt;(new EnqueueRequest("orders", "PlaceOrder", "Orders"), 42);
/// Console.WriteLine(await handle.GetResultAsync());</code>
/// </summary>
public sealed class DbosClient : IAsyncDisposable
{
    private readonly DbosRuntime _runtime;

    /// <summary>A client of the system database at <paramref name="systemDatabaseUrl"/> (a <c>postgresql://</c> URL, an Npgsql
    /// connection string, <c>sqlite:///path</c> or a SQLite file path). It connects at its first call.</summary>
    public DbosClient(string systemDatabaseUrl)
        : this(new DbosOptions { SystemDatabaseUrl = RequireUrl(systemDatabaseUrl) }) { }

    /// <summary>A client with settings: <see cref="DbosOptions.SystemDatabaseUrl"/> (else <c>DBOS_SYSTEM_DATABASE_URL</c>, else the
    /// SQLite file <c>dbos_system.sqlite</c>), <see cref="DbosOptions.SystemDatabaseSchema"/>, <see cref="DbosOptions.SystemDatabasePoolSize"/>,
    /// <see cref="DbosOptions.ConnectTimeout"/>, <see cref="DbosOptions.ApplicationName"/> (stored on enqueued workflows),
    /// <see cref="DbosOptions.JsonSerializerOptions"/> or <see cref="DbosOptions.Serializer"/>, <see cref="DbosOptions.TimeProvider"/>
    /// and <see cref="DbosOptions.LoggerFactory"/>. Settings about running workflows (queues, recovery, migrations) do not apply.</summary>
    public DbosClient(DbosOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _runtime = new DbosRuntime(options, services: null, client: true);
    }

    /// <summary>Creates a client and connects: returns once the system database answered and has the DBOS schema.</summary>
    /// <exception cref="DbosInitializationException">The database cannot be reached, or has no DBOS schema, or an older one.</exception>
#pragma warning disable RS0026 // The URL and the settings forms take the same optional token.
    public static Task<DbosClient> ConnectAsync(string systemDatabaseUrl, CancellationToken cancellationToken = default)
        => ConnectAsync(new DbosOptions { SystemDatabaseUrl = RequireUrl(systemDatabaseUrl) }, cancellationToken);

    /// <inheritdoc cref="ConnectAsync(string, CancellationToken)"/>
    public static async Task<DbosClient> ConnectAsync(DbosOptions options, CancellationToken cancellationToken = default)
#pragma warning restore RS0026
    {
        var client = new DbosClient(options);
        try
        {
            await client.ConnectedAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return client;
    }

    private static string RequireUrl(string systemDatabaseUrl)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(systemDatabaseUrl);
        return systemDatabaseUrl;
    }

    /// <summary>The runtime behind the client (generated typed clients run their enqueues on it).</summary>
    internal DbosRuntime Runtime => _runtime;

    /// <summary>Connects once (see <see cref="DbosRuntime.ConnectAsClientAsync"/>) and returns the runtime.</summary>
    internal async Task<DbosRuntime> ConnectedAsync(CancellationToken cancellationToken)
    {
        await _runtime.ConnectAsClientAsync(cancellationToken).ConfigureAwait(false);
        return _runtime;
    }

    // -----------------------------------------------------------------------------------------------------------------
    // Enqueue, messages, events, handles.
    // -----------------------------------------------------------------------------------------------------------------

    /// <summary>
    /// Enqueues the workflow named in <paramref name="request"/> with <paramref name="arguments"/> (stored as portable JSON, so C#,
    /// TypeScript and Python workers read them) and returns its handle once it is durably ENQUEUED (DELAYED with a delay). A worker
    /// that serves the queue and knows the workflow runs it. When this process references the workflow's assembly the stored
    /// argument types are the method's; otherwise the arguments' own. The same ID enqueued twice returns the first workflow.
    /// </summary>
    /// <exception cref="QueueDeduplicatedException">A workflow with the same deduplication ID is enqueued or running on the queue.</exception>
    /// <exception cref="ConflictingWorkflowException">A workflow with this ID exists under another name.</exception>
    public async Task<WorkflowHandle<TResult>> EnqueueAsync<TResult>(EnqueueRequest request, params object?[] arguments)
        => (await EnqueueCoreAsync(request, typeof(TResult), arguments).ConfigureAwait(false)).As<TResult>();

    /// <inheritdoc cref="EnqueueAsync{TResult}(EnqueueRequest, object?[])"/>
    public Task<WorkflowHandle> EnqueueAsync(EnqueueRequest request, params object?[] arguments)
        => EnqueueCoreAsync(request, typeof(void), arguments);

    private async Task<WorkflowHandle> EnqueueCoreAsync(EnqueueRequest request, Type resultType, object?[]? arguments)
    {
        ArgumentNullException.ThrowIfNull(request);
        arguments ??= [null]; // EnqueueAsync(request, null) passes one null argument, as a params call with one value would
        var runtime = await ConnectedAsync(CancellationToken.None).ConfigureAwait(false);
        var workflow = Describe(request, resultType, arguments);
        return await WorkflowExecutor.StartAsync<object?>(workflow, arguments, NotRunHere, runtime, request.ToOptions()).ConfigureAwait(false);
    }

    private static Task<object?> NotRunHere() => throw new InvalidOperationException("A DbosClient never runs a workflow's body.");

    /// <summary>The registered workflow with this name when this process has it (its parameter types are the stored ones); else a
    /// description from the request and the arguments as given.</summary>
    private static WorkflowDescriptor Describe(EnqueueRequest request, Type resultType, object?[] arguments)
    {
        if (WorkflowRegistry.Global.Find(request.ClassName, request.WorkflowName) is { } known && known.ParameterTypes.Length == arguments.Length)
        {
            return known;
        }

        return new WorkflowDescriptor(
            request.WorkflowName,
            request.ClassName ?? string.Empty,
            maxRecoveryAttempts: 0,
            parameterNames: arguments.Select((_, i) => "arg" + i).ToArray(),
            parameterTypes: arguments.Select(a => a?.GetType() ?? typeof(object)).ToArray(),
            resultType,
            sourceHash: string.Empty,
            invoke: static (_, _) => NotRunHere());
    }

    /// <summary>Sends a message to workflow <paramref name="destinationId"/> on <paramref name="topic"/> (or without one). With an
    /// <paramref name="idempotencyKey"/>, retries of this call deliver once.</summary>
    /// <exception cref="NonExistentWorkflowException">No workflow has the ID <paramref name="destinationId"/>.</exception>
    public async Task SendAsync<T>(string destinationId, T message, string? topic = null, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        var runtime = await ConnectedAsync(cancellationToken).ConfigureAwait(false);
        await Messaging.DurableMessaging.SendAsync(destinationId, message, topic, idempotencyKey, cancellationToken, runtime).ConfigureAwait(false);
    }

    /// <summary>The latest value of event <paramref name="key"/> of workflow <paramref name="workflowId"/>, waiting up to
    /// <paramref name="timeout"/> (default 60 s) for it to be set; <c>default</c> on timeout. The client polls (every second).</summary>
    public async Task<T?> GetEventAsync<T>(string workflowId, string key, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var runtime = await ConnectedAsync(cancellationToken).ConfigureAwait(false);
        return await Messaging.DurableMessaging.GetEventAsync<T>(workflowId, key, timeout, cancellationToken, runtime).ConfigureAwait(false);
    }

    /// <summary>A handle to an existing workflow, started by any process: its status, and its result once it finishes.</summary>
    /// <exception cref="NonExistentWorkflowException">No workflow has this ID.</exception>
    public async Task<WorkflowHandle<TResult>> RetrieveWorkflowAsync<TResult>(string workflowId, CancellationToken cancellationToken = default)
        => (await RetrieveCoreAsync(workflowId, cancellationToken).ConfigureAwait(false)).As<TResult>();

    /// <inheritdoc cref="RetrieveWorkflowAsync{TResult}(string, CancellationToken)"/>
#pragma warning disable RS0026 // The typed and untyped forms take the same optional parameters, as on DbosRuntime.
    public Task<WorkflowHandle> RetrieveWorkflowAsync(string workflowId, CancellationToken cancellationToken = default)
#pragma warning restore RS0026
        => RetrieveCoreAsync(workflowId, cancellationToken);

    private async Task<WorkflowHandle> RetrieveCoreAsync(string workflowId, CancellationToken cancellationToken)
    {
        var runtime = await ConnectedAsync(cancellationToken).ConfigureAwait(false);
        _ = await runtime.Management.GetWorkflowStatusAsync(workflowId, cancellationToken).ConfigureAwait(false)
            ?? throw new NonExistentWorkflowException(workflowId);
        return new WorkflowHandle(runtime, workflowId);
    }

    // -----------------------------------------------------------------------------------------------------------------
    // Management: the same implementation as DBOS and DbosRuntime use (WorkflowManagement); see docs/management.md.
    // -----------------------------------------------------------------------------------------------------------------

    /// <inheritdoc cref="DbosRuntime.GetWorkflowStatusAsync(string, CancellationToken)"/>
    public async Task<WorkflowStatus?> GetWorkflowStatusAsync(string workflowId, CancellationToken cancellationToken = default)
        => await (await ConnectedAsync(cancellationToken).ConfigureAwait(false)).Management.GetWorkflowStatusAsync(workflowId, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc cref="DbosRuntime.ListWorkflowsAsync(WorkflowFilter?, CancellationToken)"/>
    public async Task<IReadOnlyList<WorkflowStatus>> ListWorkflowsAsync(WorkflowFilter? filter = null, CancellationToken cancellationToken = default)
        => await (await ConnectedAsync(cancellationToken).ConfigureAwait(false)).Management.ListWorkflowsAsync(filter ?? new WorkflowFilter(), false, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc cref="DbosRuntime.ListQueuedWorkflowsAsync(WorkflowFilter?, CancellationToken)"/>
    public async Task<IReadOnlyList<WorkflowStatus>> ListQueuedWorkflowsAsync(WorkflowFilter? filter = null, CancellationToken cancellationToken = default)
    {
        var runtime = await ConnectedAsync(cancellationToken).ConfigureAwait(false);
        return await runtime.Management.ListWorkflowsAsync(WorkflowManagement.QueuedFilter(filter), true, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc cref="DbosRuntime.ListWorkflowStepsAsync(string, CancellationToken)"/>
    public async Task<IReadOnlyList<WorkflowStep>> ListWorkflowStepsAsync(string workflowId, CancellationToken cancellationToken = default)
        => await (await ConnectedAsync(cancellationToken).ConfigureAwait(false)).Management.ListWorkflowStepsAsync(workflowId, cancellationToken).ConfigureAwait(false);

    /// <summary>Cancels a workflow that has not finished: it becomes CANCELLED and leaves its queue, and the process that runs it
    /// stops it at its next durable operation. With <paramref name="cancelChildren"/> its child workflows too. A finished workflow is
    /// left as it is.</summary>
    /// <exception cref="NonExistentWorkflowException">No workflow has this ID.</exception>
    public async Task CancelWorkflowAsync(string workflowId, bool cancelChildren = false, CancellationToken cancellationToken = default)
        => await (await ConnectedAsync(cancellationToken).ConfigureAwait(false)).Management.CancelWorkflowAsync(workflowId, cancelChildren, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc cref="DbosRuntime.ResumeWorkflowAsync{TResult}(string, string?, CancellationToken)"/>
    public async Task<WorkflowHandle<TResult>> ResumeWorkflowAsync<TResult>(string workflowId, string? queueName = null, CancellationToken cancellationToken = default)
        => (await ResumeWorkflowAsync(workflowId, queueName, cancellationToken).ConfigureAwait(false)).As<TResult>();

    /// <inheritdoc cref="DbosRuntime.ResumeWorkflowAsync{TResult}(string, string?, CancellationToken)"/>
#pragma warning disable RS0026 // See RetrieveWorkflowAsync.
    public async Task<WorkflowHandle> ResumeWorkflowAsync(string workflowId, string? queueName = null, CancellationToken cancellationToken = default)
#pragma warning restore RS0026
    {
        var runtime = await ConnectedAsync(cancellationToken).ConfigureAwait(false);
        await runtime.Management.ResumeWorkflowAsync(workflowId, queueName, cancellationToken).ConfigureAwait(false);
        return new WorkflowHandle(runtime, workflowId);
    }

    /// <inheritdoc cref="DbosRuntime.ForkWorkflowAsync{TResult}(string, int, WorkflowOptions?, CancellationToken)"/>
    public async Task<WorkflowHandle<TResult>> ForkWorkflowAsync<TResult>(string workflowId, int startStep, WorkflowOptions? options = null, CancellationToken cancellationToken = default)
        => (await ForkWorkflowAsync(workflowId, startStep, options, cancellationToken).ConfigureAwait(false)).As<TResult>();

    /// <inheritdoc cref="DbosRuntime.ForkWorkflowAsync{TResult}(string, int, WorkflowOptions?, CancellationToken)"/>
#pragma warning disable RS0026 // See RetrieveWorkflowAsync.
    public async Task<WorkflowHandle> ForkWorkflowAsync(string workflowId, int startStep, WorkflowOptions? options = null, CancellationToken cancellationToken = default)
#pragma warning restore RS0026
    {
        var runtime = await ConnectedAsync(cancellationToken).ConfigureAwait(false);
        var forkId = await runtime.Management.ForkWorkflowAsync(workflowId, startStep, options, assignedId: null, cancellationToken).ConfigureAwait(false);
        return new WorkflowHandle(runtime, forkId);
    }

    /// <inheritdoc cref="DbosRuntime.DeleteWorkflowAsync(string, bool, CancellationToken)"/>
    public async Task DeleteWorkflowAsync(string workflowId, bool deleteChildren = false, CancellationToken cancellationToken = default)
        => await (await ConnectedAsync(cancellationToken).ConfigureAwait(false)).Management.DeleteWorkflowAsync(workflowId, deleteChildren, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc cref="DbosRuntime.GarbageCollectAsync(TimeSpan?, int?, CancellationToken)"/>
    public async Task<long> GarbageCollectAsync(TimeSpan? olderThan = null, int? keepRows = null, CancellationToken cancellationToken = default)
        => await (await ConnectedAsync(cancellationToken).ConfigureAwait(false)).Management.GarbageCollectAsync(olderThan, keepRows, WorkflowManagement.DefaultBatchSize, cancellationToken).ConfigureAwait(false);

    // -----------------------------------------------------------------------------------------------------------------
    // Schedules and application versions: the runtime's implementation, run without an executor (docs/schedules.md, docs/versioning.md).
    // -----------------------------------------------------------------------------------------------------------------

    /// <summary>
    /// Stores a schedule in <c>workflow_schedules</c> for workflow <paramref name="workflowName"/>, as DBOS's clients do: the
    /// application processes that have the workflow fire it. When this process does not reference the workflow, it is stored by name
    /// (<see cref="ScheduleOptions.WorkflowClassName"/> gives its class) and its signature is not checked here.
    /// </summary>
    /// <exception cref="ArgumentException">A bad cron text or time zone, a name already used, or (for a workflow this process has)
    /// a workflow that does not take a <c>DateTimeOffset</c> first; nothing is stored.</exception>
    public async Task<WorkflowSchedule> CreateScheduleAsync(string scheduleName, string workflowName, string cron, object? context = null, ScheduleOptions? options = null, CancellationToken cancellationToken = default)
        => await (await ConnectedAsync(cancellationToken).ConfigureAwait(false)).CreateScheduleAsync(scheduleName, workflowName, cron, context, options, cancellationToken).ConfigureAwait(false);

    /// <summary>The stored schedules, by name (those of <see cref="DbosOptions.ApplicationName"/> and the unclaimed ones when it is
    /// set, else every one); optionally only those with a status, a workflow or a name prefix.</summary>
    public async Task<IReadOnlyList<WorkflowSchedule>> ListSchedulesAsync(ScheduleStatus? status = null, string? workflowName = null, string? namePrefix = null, CancellationToken cancellationToken = default)
        => await (await ConnectedAsync(cancellationToken).ConfigureAwait(false)).ListSchedulesAsync(status, workflowName, namePrefix, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc cref="DbosRuntime.GetScheduleAsync(string, CancellationToken)"/>
    public async Task<WorkflowSchedule?> GetScheduleAsync(string scheduleName, CancellationToken cancellationToken = default)
        => await (await ConnectedAsync(cancellationToken).ConfigureAwait(false)).GetScheduleAsync(scheduleName, cancellationToken).ConfigureAwait(false);

    /// <summary>Creates or replaces a set of stored schedules at once, as <see cref="DbosRuntime.ApplySchedulesAsync"/> does; a workflow
    /// this process does not reference is stored by name, as in <see cref="CreateScheduleAsync"/>.</summary>
    /// <exception cref="ArgumentException">A schedule of the set is refused, a name appears twice, or a name is taken by another
    /// application's schedule; nothing is applied.</exception>
    public async Task ApplySchedulesAsync(IEnumerable<ScheduleDefinition> schedules, CancellationToken cancellationToken = default)
        => await (await ConnectedAsync(cancellationToken).ConfigureAwait(false)).ApplySchedulesAsync(schedules, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc cref="DbosRuntime.UpdateScheduleAsync(string, ScheduleUpdate, CancellationToken)"/>
    public async Task UpdateScheduleAsync(string scheduleName, ScheduleUpdate update, CancellationToken cancellationToken = default)
        => await (await ConnectedAsync(cancellationToken).ConfigureAwait(false)).UpdateScheduleAsync(scheduleName, update, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc cref="DbosRuntime.PauseScheduleAsync(string, CancellationToken)"/>
    public async Task PauseScheduleAsync(string scheduleName, CancellationToken cancellationToken = default)
        => await (await ConnectedAsync(cancellationToken).ConfigureAwait(false)).PauseScheduleAsync(scheduleName, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc cref="DbosRuntime.ResumeScheduleAsync(string, CancellationToken)"/>
    public async Task ResumeScheduleAsync(string scheduleName, CancellationToken cancellationToken = default)
        => await (await ConnectedAsync(cancellationToken).ConfigureAwait(false)).ResumeScheduleAsync(scheduleName, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc cref="DbosRuntime.DeleteScheduleAsync(string, CancellationToken)"/>
    public async Task<bool> DeleteScheduleAsync(string scheduleName, CancellationToken cancellationToken = default)
        => await (await ConnectedAsync(cancellationToken).ConfigureAwait(false)).DeleteScheduleAsync(scheduleName, cancellationToken).ConfigureAwait(false);

    /// <summary>Enqueues one run of the stored schedule now, under <c>sched-{name}-trigger-{now}</c>, with now as its scheduled time and
    /// the schedule's context; a process of the application that has the workflow runs it.</summary>
    /// <exception cref="ArgumentException">No stored schedule has this name.</exception>
    public async Task<WorkflowHandle> TriggerScheduleAsync(string scheduleName, CancellationToken cancellationToken = default)
        => await (await ConnectedAsync(cancellationToken).ConfigureAwait(false)).TriggerScheduleAsync(scheduleName, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc cref="DbosRuntime.BackfillScheduleAsync(string, DateTimeOffset, DateTimeOffset, CancellationToken)"/>
    public async Task<IReadOnlyList<WorkflowHandle>> BackfillScheduleAsync(string scheduleName, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
        => await (await ConnectedAsync(cancellationToken).ConfigureAwait(false)).BackfillScheduleAsync(scheduleName, from, to, cancellationToken).ConfigureAwait(false);

    /// <summary>The registered application versions, latest first (of <see cref="DbosOptions.ApplicationName"/> and unclaimed ones when
    /// it is set, else every one).</summary>
    public async Task<IReadOnlyList<ApplicationVersionInfo>> ListApplicationVersionsAsync(CancellationToken cancellationToken = default)
        => await (await ConnectedAsync(cancellationToken).ConfigureAwait(false)).ListApplicationVersionsAsync(cancellationToken).ConfigureAwait(false);

    /// <inheritdoc cref="DbosRuntime.SetLatestApplicationVersionAsync(string, CancellationToken)"/>
    public async Task SetLatestApplicationVersionAsync(string versionName, CancellationToken cancellationToken = default)
        => await (await ConnectedAsync(cancellationToken).ConfigureAwait(false)).SetLatestApplicationVersionAsync(versionName, cancellationToken).ConfigureAwait(false);

    // -----------------------------------------------------------------------------------------------------------------
    // Schema operations for the dbos tool: the client itself never changes the schema.
    // -----------------------------------------------------------------------------------------------------------------

    /// <summary>Creates or upgrades the DBOS schema (<c>dbos migrate</c>), as a start of the runtime does.</summary>
    internal static async Task MigrateAsync(DbosOptions options, CancellationToken cancellationToken)
    {
        await using var database = OpenDatabase(options);
        await database.MigrateAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The schema's migration version, or null when there is none; creates nothing.</summary>
    internal static async Task<long?> ReadSchemaVersionAsync(DbosOptions options, CancellationToken cancellationToken)
    {
        await using var database = OpenDatabase(options);
        return await database.ReadSchemaVersionAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes the DBOS schema with every workflow in it (<c>dbos reset</c>).</summary>
    internal static async Task DropSchemaAsync(DbosOptions options, CancellationToken cancellationToken)
    {
        await using var database = OpenDatabase(options);
        await database.DropSchemaAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Where the settings point, without a password, for messages.</summary>
    internal static string Describe(DbosOptions options) => DbosRuntime.Redacted(options.EffectiveSystemDatabaseUrl());

    private static ISystemDatabase OpenDatabase(DbosOptions options)
    {
        var resolved = options.ResolveForRuntime();
        var logger = (resolved.LoggerFactory ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance).CreateLogger("Dbos");
        return SystemDatabaseFactory.Create(resolved, logger);
    }

    /// <summary>Closes the client's connections.</summary>
    public ValueTask DisposeAsync() => _runtime.DisposeAsync();
}
