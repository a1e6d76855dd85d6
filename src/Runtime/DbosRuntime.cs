using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;
using Dbos.Internal;
using Dbos.Serialization;
using Dbos.SystemDatabase;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dbos;

/// <summary>
/// One DBOS runtime: a system database connection, an executor identity and the workflows this process runs.
/// In an app with a host, <c>services.AddDbos(...)</c> creates and starts it; in a console app or a test,
/// <c>await using var dbos = await DbosRuntime.LaunchAsync(options);</c>. Several runtimes may live in one process;
/// calls outside workflows use the most recently launched one unless <see cref="Use"/> says otherwise.
/// </summary>
public sealed partial class DbosRuntime : IAsyncDisposable
{
    private static readonly object LaunchedGate = new();
    private static readonly List<DbosRuntime> Launched = new();

    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<string, ActiveWorkflow> _active = new(StringComparer.Ordinal);
    private readonly IServiceProvider _services;
    private readonly SemaphoreSlim _startGate = new(1, 1);
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ISystemDatabase? _database;
    private Task _startupRecovery = Task.CompletedTask;
    private Queues.QueueDispatcher? _dispatcher;
    private Scheduling.Scheduler? _scheduler;
    private IReadOnlyList<(Scheduling.StaticSchedule, Scheduling.CronSchedule)> _pendingSchedules = [];
    private SuperJsonSerializer? _superJson; // reads DBOS TypeScript's default serialization with our JSON options
    private int _state; // 0 created, 1 started, 2 stopping, 3 stopped

    /// <summary>Creates a runtime; <see cref="StartAsync"/> connects, migrates and recovers.</summary>
    /// <param name="options">The settings; copied, later changes have no effect.</param>
    /// <param name="services">Where instance workflows are resolved from for recovery (optional).</param>
    public DbosRuntime(DbosOptions options, IServiceProvider? services = null)
        : this(options, services, client: false) { }

    /// <summary>With <paramref name="client"/>, the runtime of a <see cref="DbosClient"/>: it writes rows as DBOS clients do
    /// (no executor id, no application version) and is started with <see cref="StartAsClientAsync"/>.</summary>
    internal DbosRuntime(DbosOptions options, IServiceProvider? services, bool client)
    {
        ArgumentNullException.ThrowIfNull(options);
        IsClient = client;
        Options = options.ResolveForRuntime();
        _services = services ?? EmptyServiceProvider.Instance;
        var loggerFactory = Options.LoggerFactory ?? services?.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance;
        Logger = loggerFactory.CreateLogger("Dbos");
        Serializer = Options.Serializer ?? (Options.JsonSerializerOptions is null && Options.JsonTypeInfoResolvers.Count == 0
            ? PortableJsonSerializer.Default
            : new PortableJsonSerializer(Options.JsonSerializerOptions, Options.JsonTypeInfoResolvers));
        ExecutorId = client ? string.Empty
            : string.IsNullOrWhiteSpace(Options.ExecutorId)
            ? (Environment.GetEnvironmentVariable("DBOS__VMID") is { Length: > 0 } vmid ? vmid : "local")
            : Options.ExecutorId;
        var version = client ? null : string.IsNullOrWhiteSpace(Options.ApplicationVersion) ? Environment.GetEnvironmentVariable("DBOS__APPVERSION") : Options.ApplicationVersion;
        ApplicationVersion = string.IsNullOrWhiteSpace(version) ? string.Empty : version;
        Options.Retention?.Validate();
    }

    /// <summary>Creates and starts a runtime: connects to the system database, migrates it, registers the
    /// application version and resumes this executor's pending workflows.</summary>
    public static async Task<DbosRuntime> LaunchAsync(DbosOptions options, IServiceProvider? services = null, CancellationToken cancellationToken = default)
    {
        var runtime = new DbosRuntime(options, services);
        try
        {
            await runtime.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await runtime.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return runtime;
    }

    /// <summary>This process's executor ID (<c>executor_id</c>).</summary>
    public string ExecutorId { get; }

    /// <summary>This runtime's random instance id, inside the owner token of every workflow it runs; the system database
    /// marks it alive while the runtime runs, so other processes never claim those workflows (see <see cref="OwnerTokens"/>).</summary>
    internal string InstanceId { get; } = OwnerTokens.NewInstanceId();

    /// <summary>A new execution-ownership token of this runtime (<c>owner_xid</c>).</summary>
    internal string NewOwnerToken() => OwnerTokens.New(InstanceId);

    /// <summary>The application version: set, from <c>DBOS__APPVERSION</c>, or computed from the workflows at start.</summary>
    public string ApplicationVersion { get; private set; }

    internal DbosOptions Options { get; }

    internal ILogger Logger { get; }

    internal IDbosSerializer Serializer { get; }

    internal IServiceProvider Services => _services;

    internal CancellationToken StoppingToken => _stopping.Token;

    /// <summary>True once the shutdown grace period is over: from then on, failures are not recorded as outcomes
    /// (they are caused by the shutdown) and interrupted workflows stay PENDING for recovery.</summary>
    internal bool IsStopping => _stopping.IsCancellationRequested;

    /// <summary>Wakes workflows waiting in Recv (keys <c>"{workflowId}::{topic}"</c>).</summary>
    internal Messaging.WakeupHub Messages { get; } = new();

    /// <summary>Wakes callers waiting in GetEvent (keys <c>"{workflowId}::{key}"</c>).</summary>
    internal Messaging.WakeupHub Events { get; } = new();

    /// <summary>How often a waiter re-checks the database when no notification came: a lost notification costs at most
    /// this much latency. Long with PostgreSQL LISTEN; short on SQLite, where other processes cannot notify us.</summary>
    internal TimeSpan PollInterval { get; private set; } = TimeSpan.FromSeconds(1);

    /// <summary>How many workflows run in this process now (a test environment skips time when all of them wait).</summary>
    internal int ActiveExecutions => _active.Count;

    /// <summary>Started and not stopping (health checks).</summary>
    internal bool IsRunning => Volatile.Read(ref _state) == 1;

    internal ISystemDatabase Database => _database ?? throw new InvalidOperationException("The DBOS runtime has not been started: call StartAsync (or LaunchAsync) first.");

    /// <summary>The runtime that calls outside any workflow use: the one chosen by <see cref="Use"/>, else the most
    /// recently launched one that is still running.</summary>
    internal static DbosRuntime? Ambient
    {
        get
        {
            if (DbosAmbient.Current?.Runtime is { } chosen)
            {
                return chosen;
            }

            lock (LaunchedGate)
            {
                return Launched.Count > 0 ? Launched[^1] : null;
            }
        }
    }

    internal static DbosRuntime Resolve(DbosRuntime? runtime)
        => runtime ?? DbosAmbient.Current?.Workflow?.Runtime ?? Ambient ?? throw new InvalidOperationException(
            "No DBOS runtime is running. Register one with services.AddDbos(...) and start the host, or call DbosRuntime.LaunchAsync(options) first.");

    /// <summary>Makes this runtime the one used by calls outside workflows in the current async flow until disposed.</summary>
    public IDisposable Use() => DbosAmbient.Push((DbosAmbient.Current ?? new DbosAmbient()) with { Runtime = this });

    /// <summary>Connects to and migrates the system database, registers the application version and resumes this
    /// executor's pending workflows. Throws <see cref="DbosInitializationException"/> when the database cannot be reached.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _startGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_state != 0)
            {
                return;
            }

            if (ApplicationVersion.Length == 0)
            {
                ApplicationVersion = WorkflowRegistry.Global.ComputeApplicationVersion();
            }

            // Checked before connecting: a [Scheduled] workflow with a bad cron text or signature fails the start, saying which.
            var staticSchedules = Options.RunSchedules ? Scheduling.Scheduler.CheckStaticSchedules() : [];
            _database = SystemDatabaseFactory.Create(Options, Logger);
            if (Options.RunMigrations)
            {
                await _database.MigrateAsync(cancellationToken).ConfigureAwait(false);
            }

            if (_database.NotifiesOtherProcesses)
            {
                PollInterval = TimeSpan.FromSeconds(60); // as DBOS with a listener: a lost notification costs latency, never correctness
            }

            _dispatcher = new Queues.QueueDispatcher(this);
            await _database.UpsertQueuesAsync(Options.Queues, cancellationToken).ConfigureAwait(false);
            var executorIdFree = await _database.StartListeningAsync(new LiveInstance(InstanceId, ExecutorId), Messages.Notify, Events.Notify, WakeQueue, () =>
            {
                Messages.NotifyAll();
                Events.NotifyAll();
                _dispatcher?.WakeAll();
            }, _stopping.Token).ConfigureAwait(false);
            if (!executorIdFree)
            {
                // Safe (a workflow run by a live process is never claimed by another), but recovery and logs cannot tell the processes apart.
                Logger.LogWarning(
                    "Another live process uses executor id {ExecutorId} on this system database. Each will recover only workflows whose process is gone, " +
                    "but give every process its own executor id (environment variable DBOS__VMID or DbosOptions.ExecutorId) so their workflows can be told apart.",
                    ExecutorId);
            }

            var latest = await _database.RegisterApplicationVersionAsync(ApplicationVersion, Options.ApplicationName, cancellationToken).ConfigureAwait(false);
            _dispatcher.IsLatestVersion = latest;
            if (!latest)
            {
                Logger.LogWarning("Application version {Version} is not the latest registered version of this application.", ApplicationVersion);
            }

            await ReportOtherVersionsAsync(cancellationToken).ConfigureAwait(false);

            _state = 1;
            lock (LaunchedGate)
            {
                Launched.Add(this);
            }

            StartSupervision();
            StartVersionWatch();
            Tracing.DbosMetrics.EnsureCreated();
            _scheduler = Options.RunSchedules ? new Scheduling.Scheduler(this) : null;
            _pendingSchedules = staticSchedules;

            Logger.LogInformation("DBOS runtime started: {Engine} system database, executor {ExecutorId}, application version {Version}.", _database.Engine, ExecutorId, ApplicationVersion);
            if (Options.ApplicationDatabase is null && WorkflowRegistry.Global.All.FirstOrDefault(w => w.Name.StartsWith("<temp>.", StringComparison.Ordinal)) is { } transaction)
            {
                // Not an error: another runtime in this process may own the transactions. Calling one fails with the same advice.
                Logger.LogWarning(
                    "[Transaction] methods are registered (e.g. {Transaction}) but no application database is configured: calling one will fail. " +
                    "Set AddDbos(options => options.UseApplicationDatabase<YourDbContext>()) or DbosOptions.UseApplicationDatabase(() => new YourDbContext(...)).",
                    transaction.Name["<temp>.".Length..]);
            }
        }
        finally
        {
            _startGate.Release();
        }

        _dispatcher!.Start();
        _scheduler?.Start(_pendingSchedules);
        if (Options.RecoverPendingWorkflows)
        {
            // In the background, so start-up stays fast however many workflows are pending.
            _startupRecovery = Task.Run(async () =>
            {
                try
                {
                    await RecoverCoreAsync(_stopping.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (IsStopping)
                {
                    Logger.LogDebug(e, "Recovery at start was interrupted by shutdown.");
                }
                catch (Exception e)
                {
                    Logger.LogError(e, "Recovering pending workflows at start failed; call RecoverPendingWorkflowsAsync to try again.");
                }
            }, CancellationToken.None);
        }

        StartOutcomeWatch();
        _ = Task.Run(() => QueueDepthLoopAsync(_stopping.Token), CancellationToken.None);
        if (Options.TakeOverDeadExecutors)
        {
            StartTakeover();
        }
    }

    /// <summary>True for the runtime of a <see cref="DbosClient"/>: it runs no workflows, serves no queue and recovers nothing.</summary>
    internal bool IsClient { get; }

    private readonly object _clientGate = new();
    private Task? _clientConnect;

    /// <summary>Starts the runtime of a <see cref="DbosClient"/> once; a failed attempt is not kept, so the next call tries again.</summary>
    internal Task ConnectAsClientAsync(CancellationToken cancellationToken)
    {
        lock (_clientGate)
        {
            if (_clientConnect is null || _clientConnect.IsFaulted || _clientConnect.IsCanceled)
            {
                _clientConnect = StartAsClientAsync(cancellationToken);
            }

            return _clientConnect;
        }
    }

    /// <summary>Starts the runtime of a <see cref="DbosClient"/>: connects and checks that the schema is there and current, without
    /// migrating it, listening, registering a version, dequeuing or recovering; it is never the ambient runtime of <c>DBOS</c> calls.</summary>
    private async Task StartAsClientAsync(CancellationToken cancellationToken)
    {
        await _startGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_state != 0)
            {
                return;
            }

            var database = SystemDatabaseFactory.Create(Options, Logger);
            try
            {
                var version = await database.ReadSchemaVersionAsync(cancellationToken).ConfigureAwait(false);
                var where = database.Engine == "postgres" ? $"schema '{Options.SystemDatabaseSchema}' of the PostgreSQL database" : "the SQLite file";
                if (version is null)
                {
                    throw new DbosInitializationException(
                        $"The system database has no DBOS schema ({where} {Redacted(Options.SystemDatabaseUrl!)}). A DbosClient never creates it: " +
                        "start the application once (it migrates at start) or run 'dbos migrate', then connect again.");
                }

                if (version < SystemDatabase.Postgres.PostgresSchema.Version)
                {
                    throw new DbosInitializationException(
                        $"The DBOS schema ({where} {Redacted(Options.SystemDatabaseUrl!)}) is at migration version {version}, older than " +
                        $"{SystemDatabase.Postgres.PostgresSchema.Version}, which this client needs. A DbosClient never migrates: start the " +
                        "application once with this SDK or run 'dbos migrate', then connect again.");
                }
            }
            catch
            {
                await database.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            _database = database;
            _state = 1;
            StartOutcomeWatch(); // the client's result waiters are woken by it, as a runtime's are
        }
        finally
        {
            _startGate.Release();
        }
    }

    /// <summary>The database setting without its password, for messages.</summary>
    internal static string Redacted(string setting)
    {
        if (!SystemDatabaseFactory.IsPostgres(setting))
        {
            return SystemDatabaseFactory.SqlitePath(setting);
        }

        return SystemDatabase.Postgres.PostgresConnectionStrings.Describe(new Npgsql.NpgsqlConnectionStringBuilder(SystemDatabase.Postgres.PostgresConnectionStrings.Normalize(setting)));
    }

    /// <summary>Resumes the PENDING workflows of this executor and application version whose process is gone. Each is
    /// claimed (so two processes never both resume it), counted against its <c>MaxRecoveryAttempts</c> and started in the
    /// background. Returns the IDs of the workflows resumed. Start-up runs this in the background; a call waits for that first.</summary>
    public async Task<IReadOnlyList<string>> RecoverPendingWorkflowsAsync(CancellationToken cancellationToken = default)
    {
        await _startupRecovery.WaitAsync(cancellationToken).ConfigureAwait(false);
        return await RecoverCoreAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The recovery pass started by <see cref="StartAsync"/>: done once the pending workflows are claimed and resumed.</summary>
    internal Task StartupRecovery => _startupRecovery;

    private const int RecoveryBatch = 200;

    private async Task<IReadOnlyList<string>> RecoverCoreAsync(CancellationToken cancellationToken)
    {
        var pending = await DbRetry.RunAsync(this, "get pending workflows",
            token => Database.GetPendingWorkflowsAsync(ExecutorId, ApplicationVersion, token)).ConfigureAwait(false);
        return await RecoverAsync(pending, new Dictionary<string, bool>(StringComparer.Ordinal), takeover: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Claims and resumes (or re-enqueues) those of <paramref name="pending"/> whose owner is gone. With
    /// <paramref name="takeover"/>, they are other executors' workflows: the ones this application cannot run are left quietly.</summary>
    private async Task<IReadOnlyList<string>> RecoverAsync(IReadOnlyList<PendingWorkflow> pending, Dictionary<string, bool> gone, bool takeover, CancellationToken cancellationToken)
    {
        var resumed = new List<string>();
        var ownedByLiveProcesses = 0;
        var batch = new List<(RecoveryClaim Claim, WorkflowDescriptor Workflow, ActiveWorkflow Active)>(RecoveryBatch);
        var requeue = new List<RecoveryClaim>();
        foreach (var workflow in pending)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_active.ContainsKey(workflow.WorkflowId))
            {
                continue;
            }

            var descriptor = WorkflowRegistry.Global.Find(workflow.ClassName, workflow.Name);
            if (descriptor is null && takeover)
            {
                Logger.LogDebug("Not taking over workflow {WorkflowId}: no [Workflow] named {Name} (class {ClassName}) is registered here.", workflow.WorkflowId, workflow.Name, workflow.ClassName);
                continue;
            }

            if (descriptor is null)
            {
                Logger.LogError("Cannot recover workflow {WorkflowId}: no [Workflow] named {Name} (class {ClassName}) is registered in this application. The workflow was left untouched.",
                    workflow.WorkflowId, workflow.Name, workflow.ClassName);
                continue;
            }

            if (!await IsOwnerGoneAsync(workflow.OwnerXid, gone, cancellationToken).ConfigureAwait(false))
            {
                ownedByLiveProcesses++;
                continue;
            }

            if (workflow.QueueName is not null)
            {
                // Queued work goes back on its queue (DBOS does the same), so it runs within the queue's limits again.
                requeue.Add(new RecoveryClaim(workflow.WorkflowId, workflow.OwnerXid, string.Empty));
                continue;
            }

            // The execution slot is taken before the claim, so an in-process start of the same ID cannot run beside it.
            if (TryBeginExecution(workflow.WorkflowId) is not { } active)
            {
                continue;
            }

            batch.Add((new RecoveryClaim(workflow.WorkflowId, workflow.OwnerXid, NewOwnerToken()), descriptor, active));
            if (batch.Count == RecoveryBatch)
            {
                await ClaimAndResumeAsync(batch, resumed).ConfigureAwait(false);
            }
        }

        await ClaimAndResumeAsync(batch, resumed).ConfigureAwait(false);
        Tracing.DbosMetrics.WorkflowsRecovered(resumed.Count, takeover ? "takeover" : "start");
        if (requeue.Count > 0)
        {
            var requeued = await DbRetry.RunAsync(this, "re-enqueue workflows for recovery", token => Database.ReenqueueAsync(requeue, token)).ConfigureAwait(false);
            Tracing.DbosMetrics.WorkflowsRecovered(requeued.Count, "requeue");
            resumed.AddRange(requeued);
            foreach (var queue in pending.Where(p => p.QueueName is not null).Select(p => p.QueueName!).Distinct(StringComparer.Ordinal))
            {
                WakeQueue(queue);
            }
        }

        if (ownedByLiveProcesses > 0 && !takeover)
        {
            Logger.LogInformation("{Count} pending workflows of executor {ExecutorId} are run by other live processes; they were left to them.", ownedByLiveProcesses, ExecutorId);
        }

        if (resumed.Count > 0)
        {
            if (takeover)
            {
                Logger.LogInformation("Took over {Count} pending workflows of processes that are gone.", resumed.Count);
            }
            else
            {
                Logger.LogInformation("Recovering {Count} pending workflows.", resumed.Count);
            }
        }

        return resumed;
    }

    /// <summary>Whether the process that owns a workflow is provably gone. Our tokens name a runtime instance whose liveness the
    /// database shows; other tokens (DBOS TypeScript/Python, older versions of this SDK) say nothing, and recovery follows
    /// DBOS's rule for them: a PENDING workflow of this executor and version is this executor's to resume.</summary>
    private async Task<bool> IsOwnerGoneAsync(string? ownerXid, Dictionary<string, bool> known, CancellationToken cancellationToken)
    {
        if (!OwnerTokens.TryGetInstance(ownerXid, out var instance))
        {
            return true;
        }

        if (instance == InstanceId)
        {
            return true; // ours, and not running here (the caller checked): an execution that ended without an outcome
        }

        if (!known.TryGetValue(instance, out var gone))
        {
            gone = await DbRetry.RunAsync(this, "check executor liveness", token => Database.IsInstanceGoneAsync(instance, token)).ConfigureAwait(false);
            known[instance] = gone;
        }

        return gone;
    }

    private async Task ClaimAndResumeAsync(List<(RecoveryClaim Claim, WorkflowDescriptor Workflow, ActiveWorkflow Active)> batch, List<string> resumed)
    {
        if (batch.Count == 0)
        {
            return;
        }

        var claims = batch.ConvertAll(b => b.Claim);
        IReadOnlyList<ClaimedWorkflow> claimed;
        try
        {
            claimed = await DbRetry.RunAsync(this, "claim workflows for recovery", token => Database.ClaimForRecoveryAsync(claims, ExecutorId, token)).ConfigureAwait(false);
        }
        catch
        {
            batch.ForEach(b => ReleaseExecution(b.Claim.WorkflowId, b.Active));
            batch.Clear();
            throw;
        }

        var byId = claimed.ToDictionary(c => c.Row.WorkflowId, StringComparer.Ordinal);
        foreach (var (claim, workflow, active) in batch)
        {
            if (!byId.TryGetValue(claim.WorkflowId, out var row))
            {
                ReleaseExecution(claim.WorkflowId, active); // another process claimed it first
                continue;
            }

            if (await WorkflowExecutor.ResumeClaimedAsync(this, workflow, row, claim.NewOwnerXid, active).ConfigureAwait(false))
            {
                resumed.Add(claim.WorkflowId);
            }
        }

        batch.Clear();
    }

    /// <summary>A handle to an existing workflow (started by this process or any other). With
    /// <paramref name="existingWorkflow"/> false, waits for a workflow with that ID to be created.</summary>
    public async Task<WorkflowHandle<TResult>> RetrieveWorkflowAsync<TResult>(string workflowId, bool existingWorkflow = true, CancellationToken cancellationToken = default)
    {
        SetWorkflowID.Validate(workflowId, nameof(workflowId));
        var delay = TimeSpan.FromMilliseconds(20);
        // Waiting for the workflow to be created is waiting for an outcome: a test clock may skip to the schedule tick that creates it.
        using var awaiting = existingWorkflow || DbosAmbient.Current?.Workflow is not null ? null : Options.Hooks?.AwaitingOutcome(workflowId);
        while (true)
        {
            if (_active.ContainsKey(workflowId))
            {
                return new WorkflowHandle<TResult>(this, workflowId);
            }

            var row = await DbRetry.RunAsync(this, "get workflow status", token => Database.GetWorkflowStatusAsync(workflowId, false, token)).ConfigureAwait(false);
            if (row is not null)
            {
                return new WorkflowHandle<TResult>(this, workflowId);
            }

            if (existingWorkflow)
            {
                throw new NonExistentWorkflowException(workflowId);
            }

            await Task.Delay(delay, Options.TimeProvider, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromMilliseconds(Math.Min(1000, delay.TotalMilliseconds * 2));
        }
    }

    /// <summary>The workflow's status, or null when no workflow has this ID.</summary>
    public Task<WorkflowStatus?> GetWorkflowStatusAsync(string workflowId, CancellationToken cancellationToken = default)
        => DbRetry.RunAsync(this, "get workflow status", token => Management.GetWorkflowStatusAsync(workflowId, cancellationToken.CanBeCanceled ? cancellationToken : token));

    /// <summary>Waits for a workflow's outcome: from memory when it runs in this process, else by reading the
    /// system database until it is final.</summary>
    internal async Task<TResult> AwaitWorkflowResultAsync<TResult>(string workflowId, Type resultType, CancellationToken cancellationToken, bool fromDatabaseOnly = false)
    {
        var delay = TimeSpan.FromMilliseconds(10);
        // A workflow that starts running here later (dequeued, recovered) wakes this wait at once instead of at the next poll.
        using var started = fromDatabaseOnly ? null : Executions.Register(workflowId);
        var warnedOtherVersion = false;
        while (true)
        {
            var signal = started?.Signal;
            if (!fromDatabaseOnly && _active.TryGetValue(workflowId, out var active)
                && await WaitForExecutionAsync(workflowId, active, cancellationToken).ConfigureAwait(false) is { Abandoned: false } outcome)
            {
                if (outcome.Error is not null)
                {
                    ExceptionDispatchInfo.Capture(outcome.Error).Throw();
                }

                if (outcome.Result is TResult typed)
                {
                    return typed;
                }

                if (outcome.Result is null && default(TResult) is null)
                {
                    return default!;
                }
            }

            var row = await DbRetry.RunAsync(this, "get workflow outcome", token => Database.GetWorkflowStatusAsync(workflowId, true, token)).ConfigureAwait(false)
                ?? throw new NonExistentWorkflowException(workflowId);
            if (TryGetFinalOutcome<TResult>(row, resultType, out var result))
            {
                return result;
            }

            WarnIfOtherVersion(row, ref warnedOtherVersion);

            if (started is not null && (delay >= OwnPollLimit || row.Status is WorkflowStatuses.Enqueued or WorkflowStatuses.Delayed))
            {
                // Queued, or running elsewhere for a while: a local start wakes this wait, and so does the outcome watch, which
                // reads the states of every waited-for workflow in one query per interval however many wait.
                delay = OutcomeWatchFallback;
            }

            var poll = Task.Delay(delay, Options.TimeProvider, cancellationToken);
            await (signal is null ? poll : Task.WhenAny(signal, poll)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            delay = TimeSpan.FromMilliseconds(Math.Min(1000, delay.TotalMilliseconds * 1.5));
        }
    }

    /// <summary>A waiter polls on its own (from 10 ms, growing by half) until its delay reaches this; then the outcome watch takes over.</summary>
    private static readonly TimeSpan OwnPollLimit = TimeSpan.FromMilliseconds(100);

    /// <summary>How often the outcome watch reads the states of the workflows that result waiters wait for.</summary>
    internal static TimeSpan OutcomeWatchInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>A waiter left to the outcome watch still reads its own row this often, in case a wake-up was missed.</summary>
    private static readonly TimeSpan OutcomeWatchFallback = TimeSpan.FromSeconds(5);

    private const int OutcomeWatchBatch = 1000;

    private void StartOutcomeWatch() => _ = Task.Run(() => OutcomeWatchLoopAsync(_stopping.Token), CancellationToken.None);

    private Task OutcomeWatchLoopAsync(CancellationToken stopping) => RunEveryAsync(() => OutcomeWatchInterval, WatchOutcomesOnceAsync, runFirst: false,
        (e, _) => Logger.LogDebug(e, "Reading the states of awaited workflows failed; their waiters read them themselves meanwhile."), stopping);

    /// <summary>The shape of the runtime's background loops: <paramref name="pass"/> every <paramref name="interval"/> (read
    /// before each wait, so it may change or carry jitter) until the runtime stops, the first one at once with
    /// <paramref name="runFirst"/>, else after one interval. A failed pass is reported to <paramref name="failed"/> (with the wait
    /// before the next) and the loop goes on; the stop ends it quietly.</summary>
    internal async Task RunEveryAsync(Func<TimeSpan> interval, Func<CancellationToken, Task> pass, bool runFirst, Action<Exception, TimeSpan> failed, CancellationToken stopping)
    {
        var wait = runFirst ? TimeSpan.Zero : interval();
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, Options.TimeProvider, stopping).ConfigureAwait(false);
                }

                wait = interval();
                await pass(stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                failed(e, wait);
            }
        }
    }

    /// <summary>Wakes the waiters of every awaited workflow that does not run here and has left ENQUEUED, DELAYED and PENDING
    /// (or is gone), so each reads its outcome once.</summary>
    private async Task WatchOutcomesOnceAsync(CancellationToken cancellationToken)
    {
        var awaited = Executions.Keys();
        awaited.RemoveAll(_active.ContainsKey);
        foreach (var chunk in awaited.Chunk(OutcomeWatchBatch))
        {
            var states = (await Database.GetWorkflowStatesAsync(chunk, cancellationToken).ConfigureAwait(false)).ToDictionary(s => s.WorkflowId, s => s.Status, StringComparer.Ordinal);
            foreach (var id in chunk)
            {
                if (!states.TryGetValue(id, out var status) || status is not (WorkflowStatuses.Pending or WorkflowStatuses.Enqueued or WorkflowStatuses.Delayed))
                {
                    Executions.Notify(id);
                }
            }
        }
    }

    /// <summary>The runtimes started in this process (for the observable metrics).</summary>
    internal static List<DbosRuntime> LaunchedRuntimes()
    {
        lock (LaunchedGate)
        {
            return [.. Launched];
        }
    }

    /// <summary>ENQUEUED workflows per registered queue (and the internal one), as last read by the depth sampler (empty until a metrics listener enables it).</summary>
    internal IReadOnlyDictionary<string, long> QueueDepths { get; private set; } = new Dictionary<string, long>();

    /// <summary>How many workflows of each served queue run here now.</summary>
    internal IEnumerable<(string Queue, long Running)> QueuesRunning() => _dispatcher?.Running() ?? [];

    internal static TimeSpan QueueDepthInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Reads the depth of the registered queues every few seconds while the <c>dbos.queue.depth</c> gauge has a listener.</summary>
    private Task QueueDepthLoopAsync(CancellationToken stopping) => RunEveryAsync(() => QueueDepthInterval, async token =>
        {
            if (Tracing.DbosMetrics.QueueDepth.Enabled)
            {
                var names = Options.Queues.Select(q => q.Name).Append(WorkflowQueue.InternalQueueName).ToList();
                QueueDepths = await Database.GetQueueDepthsAsync(names, token).ConfigureAwait(false);
            }
        },
        runFirst: true, (e, _) => Logger.LogDebug(e, "Reading queue depths for the dbos.queue.depth metric failed."), stopping);

    /// <summary>Wakes result waiters (key: the workflow ID) when a workflow begins running in this process.</summary>
    internal Messaging.WakeupHub Executions { get; } = new();

    /// <summary>Returns true with the result for SUCCESS, throws the recorded error for a failed or ended workflow,
    /// returns false while it is still running.</summary>
    internal bool TryGetFinalOutcome<TResult>(WorkflowStatusRow row, Type resultType, out TResult result)
    {
        switch (row.Status)
        {
            case WorkflowStatuses.Success:
                try
                {
                    result = (TResult)SerializerFor(row.Serialization).Deserialize(row.Output ?? "null", resultType)!;
                }
                catch (DbosSerializationException e)
                {
                    throw new DbosSerializationException($"The result of workflow {row.WorkflowId} cannot be read as {resultType.FullName}. {e.Message}", e);
                }

                return true;
            case WorkflowStatuses.Error:
                throw SerializerFor(row.Serialization).DeserializeError(row.Error ?? "{}");
            case WorkflowStatuses.Cancelled:
                throw new AwaitedWorkflowCancelledException(row.WorkflowId);
            case WorkflowStatuses.MaxRecoveryAttemptsExceeded:
                throw new AwaitedWorkflowMaxRecoveryAttemptsExceededException(row.WorkflowId);
            default:
                result = default!;
                return false;
        }
    }

    /// <summary>The serializer for a stored value: ours, portable JSON (which every runtime writes) or DBOS TypeScript's
    /// default <c>js_superjson</c> (read only, with our JSON options).</summary>
    internal IDbosSerializer SerializerFor(string? serialization)
    {
        if (serialization is null || serialization == Serializer.Name)
        {
            return Serializer;
        }

        if (serialization == PortableJsonSerializer.FormatName)
        {
            return PortableJsonSerializer.Default;
        }

        if (serialization == SuperJson.FormatName)
        {
            return _superJson ??= Serializer is PortableJsonSerializer portable ? new SuperJsonSerializer(portable.Options) : SuperJsonSerializer.Default;
        }

        throw StoredFormats.NotReadable(serialization, Serializer.Name);
    }

    /// <summary>Dequeues from the queue at once, if this process serves it (a local enqueue, or a NOTIFY from another process).</summary>
    internal void WakeQueue(string queueName) => _dispatcher?.Wake(queueName);

    /// <summary>Finishes a claimed workflow this process cannot run (unknown name, unreadable inputs) as ERROR with the reason,
    /// instead of leaving it PENDING with nobody to run it. Fenced by the claim's owner token.</summary>
    internal async Task RecordFailureAsync(WorkflowStatusRow row, Exception error)
    {
        var serializer = row.Serialization == SuperJson.FormatName ? SerializerFor(row.Serialization) : Serializer; // as WorkflowEnvironment.OutcomeSerializer
        var outcome = new WorkflowOutcome(WorkflowStatuses.Error, null, WorkflowExecutor.SerializeError(serializer, error), serializer.Name, Options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds());
        await DbRetry.RunAsync(this, "record workflow failure", token => Database.RecordWorkflowOutcomeAsync(row.WorkflowId, row.OwnerXid ?? string.Empty, outcome, token)).ConfigureAwait(false);
    }

    internal ActiveWorkflow? TryBeginExecution(string workflowId)
    {
        var active = new ActiveWorkflow();
        if (!_active.TryAdd(workflowId, active))
        {
            return null;
        }

        Executions.Notify(workflowId);
        return active;
    }

    internal void EndExecution(string workflowId, ActiveWorkflow active, object? result, Exception? error)
    {
        _active.TryRemove(new KeyValuePair<string, ActiveWorkflow>(workflowId, active));
        active.Completion.TrySetResult(new WorkflowOutcomeInMemory(result, error));
    }

    /// <summary>Ends an execution slot without an outcome (not claimed, or given up to another execution): whoever waits on it
    /// reads the outcome from the system database instead.</summary>
    internal void ReleaseExecution(string workflowId, ActiveWorkflow active)
    {
        _active.TryRemove(new KeyValuePair<string, ActiveWorkflow>(workflowId, active));
        active.Completion.TrySetResult(new WorkflowOutcomeInMemory(null, null, Abandoned: true));
    }

    internal void EnsureAcceptingWork()
    {
        var state = Volatile.Read(ref _state);
        if (state == 0)
        {
            throw new InvalidOperationException("The DBOS runtime has not been started: call StartAsync (or use DbosRuntime.LaunchAsync / the AddDbos hosted service).");
        }

        if (state >= 2)
        {
            throw new InvalidOperationException("The DBOS runtime is shutting down and accepts no new workflows.");
        }
    }

    /// <summary>Stops accepting workflows, waits up to <see cref="DbosOptions.ShutdownTimeout"/> for running ones to
    /// finish, then stops; workflows still running are left PENDING for recovery at the next start.</summary>
    public async Task ShutdownAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.CompareExchange(ref _state, 2, 1) != 1)
        {
            if (Interlocked.CompareExchange(ref _state, 3, 0) == 0)
            {
                if (_database is not null)
                {
                    await _database.DisposeAsync().ConfigureAwait(false);
                }

                _stopped.TrySetResult();
            }

            // Stopped, or another call is stopping it (e.g. the host and a DisposeAsync): return when that is done.
            await _stopped.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        lock (LaunchedGate)
        {
            Launched.Remove(this);
        }

        if (_scheduler is not null)
        {
            await _scheduler.StopAsync().ConfigureAwait(false); // no tick is enqueued once shutdown began
        }

        var running = _active.Values.Select(a => (Task)a.Completion.Task).ToArray();
        if (running.Length > 0)
        {
            Logger.LogInformation("Waiting up to {Timeout} for {Count} running workflows.", Options.ShutdownTimeout, running.Length);
            try
            {
                await Task.WhenAll(running).WaitAsync(Options.ShutdownTimeout, Options.TimeProvider, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                Logger.LogWarning("{Count} workflows were still running at shutdown; they stay PENDING and resume at the next start.", _active.Count);
            }
            catch (OperationCanceledException)
            {
                Logger.LogWarning("Shutdown was cancelled; {Count} running workflows stay PENDING and resume at the next start.", _active.Count);
            }
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        Volatile.Write(ref _state, 3);
        try
        {
            if (_database is not null)
            {
                await _database.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _stopped.TrySetResult();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await ShutdownAsync().ConfigureAwait(false);
        _stopping.Dispose();
        _startGate.Dispose();
    }

    internal sealed class ActiveWorkflow
    {
        public TaskCompletionSource<WorkflowOutcomeInMemory> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    internal readonly record struct WorkflowOutcomeInMemory(object? Result, Exception? Error, bool Abandoned = false);

    private sealed class EmptyServiceProvider : IServiceProvider
    {
        public static readonly EmptyServiceProvider Instance = new();

        public object? GetService(Type serviceType) => null;
    }
}
