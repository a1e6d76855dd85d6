using System;
using System.ComponentModel;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;

namespace Dbos.Internal;

#pragma warning disable RS0026 // Overloads with an optional runtime: only generated code calls these.

/// <summary>
/// The entry points generated code calls. Not for direct use: call your <c>[Workflow]</c> and <c>[Step]</c>
/// methods normally and the generated interceptors route them here.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class DbosGenerated
{
    /// <summary>Adds a workflow to the process-wide registry (called from a generated module initializer).</summary>
    public static void RegisterWorkflow(WorkflowDescriptor workflow) => WorkflowRegistry.Global.Register(workflow);

    /// <summary>Adds a <c>[Scheduled]</c> workflow to the registry with its cron text, time zone and queue (checked when a runtime starts).</summary>
    public static void RegisterScheduledWorkflow(WorkflowDescriptor workflow, string cron, string? timeZone, string? queue)
    {
        WorkflowRegistry.Global.Register(workflow);
        WorkflowRegistry.Global.RegisterSchedule(new Scheduling.StaticSchedule(workflow, cron, timeZone, queue));
    }

    /// <summary>Adds a <see cref="System.Text.Json.Serialization.JsonSerializerContext"/> of the assembly to the metadata the
    /// portable JSON serializer consults (called from a generated module initializer; Native AOT apps rely on it).</summary>
    public static void RegisterJsonTypeInfoResolver(System.Text.Json.Serialization.Metadata.IJsonTypeInfoResolver resolver)
        => Serialization.DbosTypeInfoResolver.Register(resolver);

    /// <summary>Adds DI registrations (workflow classes, typed clients) that <c>AddDbos</c> applies.</summary>
    public static void RegisterServices(Action<IServiceCollection> register) => WorkflowRegistry.Global.RegisterServices(register);

    /// <summary>Gets the instance a recovered instance workflow runs on: from DI, else from <paramref name="create"/>.</summary>
    public static T GetInstance<T>(IServiceProvider services, Func<T>? create) where T : class
    {
        if (services.GetService(typeof(T)) is T fromServices)
        {
            return fromServices;
        }

        return create is not null
            ? create()
            : throw new InvalidOperationException(
                $"Cannot create {typeof(T).FullName} to run its workflow: register it in the service collection (AddDbos does this for " +
                "classes with [Workflow] methods) or give it a public parameterless constructor.");
    }

    /// <summary>The runtime a typed client bound to a <see cref="DbosClient"/> enqueues on (its Start and Run methods refuse).</summary>
    public static DbosRuntime ClientRuntime(DbosClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        return client.Runtime;
    }

    /// <summary>The services of a typed client bound to a <see cref="DbosClient"/>: none, it creates no workflow instances.</summary>
    public static IServiceProvider NoServices { get; } = new EmptyServices();

    private sealed class EmptyServices : IServiceProvider
    {
        public object? GetService(Type serviceType) => null;
    }

    // Workflows: a call outside a workflow starts (or joins) a durable workflow; inside one it starts a child and waits for it.

    public static Task<TResult> RunWorkflowAsync<TResult>(WorkflowDescriptor workflow, object?[] arguments, Func<Task<TResult>> body, DbosRuntime? runtime = null)
        => WorkflowExecutor.RunAsync(workflow, arguments, body, runtime);

    public static Task RunWorkflowAsync(WorkflowDescriptor workflow, object?[] arguments, Func<Task> body, DbosRuntime? runtime = null)
        => WorkflowExecutor.RunAsync(workflow, arguments, Adapt(body), runtime);

    public static TResult RunWorkflow<TResult>(WorkflowDescriptor workflow, object?[] arguments, Func<TResult> body, DbosRuntime? runtime = null)
    {
        if (WorkflowExecutor.TakeStartRequest() is { } request)
        {
            // DBOS.StartWorkflow(() => SyncWorkflow(...)): start in the background instead of blocking on the result.
            WorkflowExecutor.StartForRequest(workflow, arguments, () => Task.FromResult(body()), runtime, request);
            return default!;
        }

        return SyncOverAsync.Run(() => WorkflowExecutor.RunAsync(workflow, arguments, () => Task.FromResult(body()), runtime));
    }

    public static void RunWorkflow(WorkflowDescriptor workflow, object?[] arguments, Action body, DbosRuntime? runtime = null)
        => RunWorkflow<object?>(workflow, arguments, () => { body(); return null; }, runtime);

    // Background starts: return once the workflow is durably recorded.

    public static Task<WorkflowHandle<TResult>> StartWorkflowAsync<TResult>(WorkflowDescriptor workflow, object?[] arguments, Func<Task<TResult>> body, DbosRuntime? runtime = null)
        => WorkflowExecutor.StartAsync(workflow, arguments, body, runtime);

    public static async Task<WorkflowHandle> StartWorkflowAsync(WorkflowDescriptor workflow, object?[] arguments, Func<Task> body, DbosRuntime? runtime = null)
        => await WorkflowExecutor.StartAsync(workflow, arguments, Adapt(body), runtime).ConfigureAwait(false);

    public static Task<WorkflowHandle<TResult>> StartWorkflowAsync<TResult>(WorkflowDescriptor workflow, object?[] arguments, Func<TResult> body, DbosRuntime? runtime = null)
        => WorkflowExecutor.StartAsync(workflow, arguments, () => Task.FromResult(body()), runtime);

    public static async Task<WorkflowHandle> StartWorkflowAsync(WorkflowDescriptor workflow, object?[] arguments, Action body, DbosRuntime? runtime = null)
        => await WorkflowExecutor.StartAsync(workflow, arguments, () => { body(); return Task.FromResult<object?>(null); }, runtime).ConfigureAwait(false);

    // Enqueues (the typed clients' Enqueue...Async): return once the workflow is durably ENQUEUED on options.Queue.

    public static Task<WorkflowHandle<TResult>> EnqueueWorkflowAsync<TResult>(WorkflowDescriptor workflow, object?[] arguments, Func<Task<TResult>> body, DbosRuntime? runtime, WorkflowOptions? options)
        => WorkflowExecutor.StartAsync(workflow, arguments, body, runtime, RequireQueue(workflow, options));

    public static async Task<WorkflowHandle> EnqueueWorkflowAsync(WorkflowDescriptor workflow, object?[] arguments, Func<Task> body, DbosRuntime? runtime, WorkflowOptions? options)
        => await WorkflowExecutor.StartAsync(workflow, arguments, Adapt(body), runtime, RequireQueue(workflow, options)).ConfigureAwait(false);

    public static Task<WorkflowHandle<TResult>> EnqueueWorkflowAsync<TResult>(WorkflowDescriptor workflow, object?[] arguments, Func<TResult> body, DbosRuntime? runtime, WorkflowOptions? options)
        => WorkflowExecutor.StartAsync(workflow, arguments, () => Task.FromResult(body()), runtime, RequireQueue(workflow, options));

    public static async Task<WorkflowHandle> EnqueueWorkflowAsync(WorkflowDescriptor workflow, object?[] arguments, Action body, DbosRuntime? runtime, WorkflowOptions? options)
        => await WorkflowExecutor.StartAsync(workflow, arguments, () => { body(); return Task.FromResult<object?>(null); }, runtime, RequireQueue(workflow, options)).ConfigureAwait(false);

    private static WorkflowOptions RequireQueue(WorkflowDescriptor workflow, WorkflowOptions? options)
        => options?.Queue is { Length: > 0 } ? options : throw new ArgumentException(
            $"Enqueuing workflow '{workflow.QualifiedName}' needs a queue: pass new WorkflowOptions {{ Queue = \"name\" }}.", nameof(options));

    // Steps: inside a workflow a checkpointed operation; elsewhere (or inside another step) a plain call.

    public static Task<TResult> RunStepAsync<TResult>(StepDescriptor step, Func<Task<TResult>> body)
        => StepExecutor.RunAsync(step, body);

    public static Task RunStepAsync(StepDescriptor step, Func<Task> body)
        => StepExecutor.RunAsync(step, Adapt(body));

    public static TResult RunStep<TResult>(StepDescriptor step, Func<TResult> body)
        => StepExecutor.RunSync(step, body);

    public static void RunStep(StepDescriptor step, Action body)
        => StepExecutor.RunSync<object?>(step, () => { body(); return null; });

    // Steps with a CancellationToken parameter: inside a workflow the body gets a token that also fires when the workflow is
    // cancelled or times out; elsewhere the caller's.

    public static Task<TResult> RunStepAsync<TResult>(StepDescriptor step, CancellationToken cancellationToken, Func<CancellationToken, Task<TResult>> body)
        => StepExecutor.RunAsync(step, cancellationToken, body);

    public static Task RunStepAsync(StepDescriptor step, CancellationToken cancellationToken, Func<CancellationToken, Task> body)
        => StepExecutor.RunAsync<object?>(step, cancellationToken, async token =>
        {
            await body(token).ConfigureAwait(false);
            return null;
        });

    public static TResult RunStep<TResult>(StepDescriptor step, CancellationToken cancellationToken, Func<CancellationToken, TResult> body)
        => StepExecutor.RunSync(step, cancellationToken, body);

    public static void RunStep(StepDescriptor step, CancellationToken cancellationToken, Action<CancellationToken> body)
        => StepExecutor.RunSync<object?>(step, cancellationToken, token => { body(token); return null; });

    // Transactions: inside a workflow a database transaction recorded with its effects; outside one, a temporary workflow.

    public static Task<TResult> RunTransactionAsync<TResult>(TransactionDescriptor transaction, object?[] arguments, Func<Task<TResult>> body)
        => Transactions.TransactionExecutor.RunAsync(transaction, arguments, body);

    public static Task RunTransactionAsync(TransactionDescriptor transaction, object?[] arguments, Func<Task> body)
        => Transactions.TransactionExecutor.RunAsync(transaction, arguments, Adapt(body));

    public static TResult RunTransaction<TResult>(TransactionDescriptor transaction, object?[] arguments, Func<TResult> body)
        => Transactions.TransactionExecutor.RunSync(transaction, arguments, body);

    public static void RunTransaction(TransactionDescriptor transaction, object?[] arguments, Action body)
        => Transactions.TransactionExecutor.RunSync<object?>(transaction, arguments, () => { body(); return null; });

    private static Func<Task<object?>> Adapt(Func<Task> body) => async () =>
    {
        await body().ConfigureAwait(false);
        return null;
    };
}
