using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Dbos.SystemDatabase.Postgres;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Dbos.Testing;

/// <summary>
/// An isolated DBOS runtime for one test: a fresh system database (a SQLite file in a temporary folder, or a new database on
/// a PostgreSQL server), the services its workflows are resolved from, and a fake clock (<see cref="Time"/>) that durable
/// sleeps and timeouts follow. Works with any test framework; many environments may run in parallel in one test run.
/// <code>
/// await using var env = await DbosTestEnvironment.StartAsync(o => o.Services.AddSingleton&lt;IPayments&gt;(fake));
/// var orders = env.GetRequiredService&lt;IOrdersClient&gt;();
/// </code>
/// </summary>
public sealed class DbosTestEnvironment : IAsyncDisposable
{
    private readonly DbosTestOptions _options;
    private readonly TestHooks _hooks;
    private readonly CancellationTokenSource _stopping = new();
    private readonly string? _sqliteDirectory;
    private readonly string? _postgresServer;
    private readonly string? _postgresDatabase;
    private Task _autoSkip = Task.CompletedTask;
    private ServiceProvider? _provider;
    private DbosRuntime? _runtime;
    private int _disposed;
    private int _processes;

    private DbosTestEnvironment(DbosTestOptions options, TestHooks hooks, DbosTestClock clock, string databaseUrl, string? sqliteDirectory, string? postgresServer, string? postgresDatabase)
    {
        _options = options;
        _hooks = hooks;
        Time = clock;
        SystemDatabaseUrl = databaseUrl;
        _sqliteDirectory = sqliteDirectory;
        _postgresServer = postgresServer;
        _postgresDatabase = postgresDatabase;
    }

    /// <summary>Creates the database and starts the first runtime on it.</summary>
    public static Task<DbosTestEnvironment> StartAsync(Action<DbosTestOptions>? configure = null, CancellationToken cancellationToken = default)
        => StartCoreAsync(configure, replay: false, cancellationToken);

    internal static async Task<DbosTestEnvironment> StartCoreAsync(Action<DbosTestOptions>? configure, bool replay, CancellationToken cancellationToken)
    {
        var options = new DbosTestOptions();
        configure?.Invoke(options);
        // A whole millisecond, as the database records times: a recorded wake-up time is then exactly start + duration.
        var clock = new DbosTestClock(options.StartTime ?? DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()), options.AutoSkipTime);
        var hooks = new TestHooks(clock) { StopAtEndOfHistory = replay };
        DbosTestEnvironment environment;
        if (options.PostgresServerUrl is { } server)
        {
            var database = "dbos_test_" + Guid.NewGuid().ToString("N");
            await using (var connection = new NpgsqlConnection(ServerConnectionString(server)))
            {
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database}\"", connection) { CommandTimeout = DatabaseCommandTimeout };
                await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            var url = new NpgsqlConnectionStringBuilder(PostgresConnectionStrings.Normalize(server)) { Database = database }.ConnectionString;
            environment = new DbosTestEnvironment(options, hooks, clock, url, null, server, database);
        }
        else
        {
            var directory = Path.Combine(Path.GetTempPath(), "dbos-testing", Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(directory);
            environment = new DbosTestEnvironment(options, hooks, clock, Path.Combine(directory, "dbos_system.sqlite"), directory, null, null);
        }

        try
        {
            await environment.StartProcessAsync(recover: !replay, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await environment.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        environment._autoSkip = Task.Run(() => hooks.RunAutoSkipAsync(environment._stopping.Token), CancellationToken.None);
        return environment;
    }

    /// <summary>The runtime running now. A restart or a recovery after a simulated crash replaces it.</summary>
    public DbosRuntime Runtime => _runtime ?? throw new ObjectDisposedException(nameof(DbosTestEnvironment));

    /// <summary>The service provider of the runtime running now: typed clients (<c>I&lt;Class&gt;Client</c>), workflow classes and
    /// the test's own services.</summary>
    public IServiceProvider Services => _provider ?? throw new ObjectDisposedException(nameof(DbosTestEnvironment));

    /// <summary>The clock the environment's runtimes follow.</summary>
    public DbosTestClock Time { get; }

    /// <summary>The system database: a SQLite file path or a PostgreSQL connection string.</summary>
    public string SystemDatabaseUrl { get; }

    /// <summary>Which runtime runs now: 0 for the first, one more after each restart or recovery.</summary>
    public int Process => _hooks.Process;

    /// <summary>Every step body that ran in this environment, in order (steps replayed from their checkpoints are not listed).</summary>
    public IReadOnlyList<StepRun> StepRuns => _hooks.StepRuns;

    /// <summary>A service of the runtime running now, e.g. a typed client.</summary>
    public T GetRequiredService<T>()
        where T : notnull
        => Services.GetRequiredService<T>();

    /// <summary>Makes this environment's runtime the one <c>DBOS.*</c> calls outside workflows use in the current async flow, until
    /// disposed. Needed when tests run in parallel (else such calls use the most recently started runtime); typed clients
    /// from <see cref="Services"/> are bound to their runtime already.</summary>
    public IDisposable Use() => Runtime.Use();

    /// <summary>Stops the runtime (workflows still running stay PENDING, as when a process stops) and starts a new one on the
    /// same database, which recovers them.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await StopProcessAsync().ConfigureAwait(false);
        await StartProcessAsync(recover: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Starts a workflow with <paramref name="start"/> (e.g. <c>() => orders.StartPlaceOrderAsync(42)</c>) and runs it until
    /// it reaches <paramref name="point"/> (in this or any other workflow of the environment), then stops the process there as
    /// if it died: nothing more is recorded, the workflow stays PENDING, and its owner is seen as gone by the next runtime.
    /// <see cref="SimulatedCrash.RecoverAsync"/> then starts a new runtime that recovers it. Throws
    /// <see cref="InvalidOperationException"/> when the workflow ends without reaching the point.
    /// </summary>
    public async Task<SimulatedCrash> RunUntilCrashAsync<THandle>(CrashPoint point, Func<Task<THandle>> start, CancellationToken cancellationToken = default)
        where THandle : WorkflowHandle
    {
        ArgumentNullException.ThrowIfNull(point);
        ArgumentNullException.ThrowIfNull(start);
        var crash = new ArmedCrash(point);
        _hooks.Arm(crash);
        try
        {
            THandle handle;
            using (Runtime.Use())
            {
                handle = await start().ConfigureAwait(false);
            }

            var outcome = handle.WaitAsync(cancellationToken);
            if (await Task.WhenAny(crash.Reached.Task, outcome).ConfigureAwait(false) != crash.Reached.Task)
            {
                try
                {
                    await outcome.ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    throw new InvalidOperationException($"Workflow {handle.WorkflowId} failed before it reached the crash point ({point}): {e.Message}", e);
                }

                throw new InvalidOperationException(
                    $"Workflow {handle.WorkflowId} finished without reaching the crash point ({point}). Check the step's name (its [Step(Name = ...)] or its method name) or function id.");
            }

            _ = outcome.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            var (workflowId, functionId, stepName) = await crash.Reached.Task.ConfigureAwait(false);
            var process = Process;
            await StopProcessAsync().ConfigureAwait(false);
            var before = StepRuns.Where(r => r.Process == process && SimulatedCrash.IsOf(r, handle.WorkflowId)).ToList();
            return new SimulatedCrash(this, point, handle.WorkflowId, workflowId, functionId, stepName, process, before);
        }
        finally
        {
            _hooks.Disarm(crash);
        }
    }

    internal TestHooks Hooks => _hooks;

    internal Task RestartAfterCrashAsync(CancellationToken cancellationToken)
        => _runtime is not null
            ? throw new InvalidOperationException("A runtime runs already: RecoverAsync is called once per simulated crash.")
            : StartProcessAsync(recover: true, cancellationToken);

    private async Task StartProcessAsync(bool recover, CancellationToken cancellationToken)
    {
        var services = new ServiceCollection();
        foreach (var descriptor in _options.Services)
        {
            ((ICollection<ServiceDescriptor>)services).Add(descriptor);
        }

        services.AddDbos(options =>
        {
            // A crashed workflow waits for the test's own recovery: no background takeover by the next runtime (a test may turn it on).
            options.TakeOverDeadExecutors = false;
            _options.ApplyTo(options);
            options.SystemDatabaseUrl = SystemDatabaseUrl;
            options.TimeProvider = Time.TimeProvider;
            options.ShutdownTimeout = TimeSpan.Zero; // the fake clock would never end a grace period
            options.RecoverPendingWorkflows = recover;
            options.Hooks = _hooks;
        });
        var provider = services.BuildServiceProvider();
        var runtime = provider.GetRequiredService<DbosRuntime>();
        _hooks.Process = ++_processes - 1; // before the start: recovery at start runs steps at once
        _hooks.Runtime = runtime;
        try
        {
            await runtime.StartAsync(cancellationToken).ConfigureAwait(false);
            await runtime.StartupRecovery.ConfigureAwait(false);
        }
        catch
        {
            await provider.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        _provider = provider;
        _runtime = runtime;
    }

    /// <summary>Stops the runtime at once: no grace period, so whatever runs stays PENDING, and the database connections
    /// (which carry the runtime's liveness) are closed.</summary>
    private async Task StopProcessAsync()
    {
        var provider = _provider;
        var runtime = _runtime;
        _provider = null;
        _runtime = null;
        _hooks.Runtime = null;
        if (runtime is not null)
        {
            await runtime.ShutdownAsync().ConfigureAwait(false);
        }

        if (provider is not null)
        {
            await provider.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Stops the runtime and deletes the database.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await _autoSkip.ConfigureAwait(false);
        await StopProcessAsync().ConfigureAwait(false);
        _stopping.Dispose();
        if (_sqliteDirectory is not null)
        {
            SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(_sqliteDirectory, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a file still open elsewhere stays in the temporary folder.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        if (_postgresServer is not null && _postgresDatabase is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(ServerConnectionString(_postgresServer));
            await connection.OpenAsync().ConfigureAwait(false);
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_postgresDatabase}\" WITH (FORCE)", connection) { CommandTimeout = DatabaseCommandTimeout };
            await drop.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Creating and dropping a database waits for a checkpoint, which a busy server may take well over Npgsql's 30 s for.</summary>
    private const int DatabaseCommandTimeout = 300;

    private static string ServerConnectionString(string server)
        => new NpgsqlConnectionStringBuilder(PostgresConnectionStrings.Normalize(server)) { Pooling = false }.ConnectionString;
}
