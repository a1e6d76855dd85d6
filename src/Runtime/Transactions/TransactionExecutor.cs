using System;
using System.Data.Common;
using System.Threading;
using System.Threading.Tasks;
using Dbos.Authorization;
using Dbos.Internal;
using Dbos.Serialization;
using Dbos.SystemDatabase;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Dbos.Transactions;

/// <summary>
/// Runs <c>[Transaction]</c> methods. In a workflow: the recorded outcome if there is one (system database, then
/// <c>transaction_outputs</c>); else the body in a database transaction of the application database, whose output row
/// is written in that same transaction, and then recorded in the system database too. Outside a workflow: in a
/// temporary workflow. In a step: an unrecorded database transaction. In another transaction: part of it.
/// </summary>
internal static class TransactionExecutor
{
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(1);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(2);
    private const double RetryBackoffRate = 1.5;

    public static Task<T> RunAsync<T>(TransactionDescriptor transaction, object?[] arguments, Func<Task<T>> body)
    {
        if (TransactionSession.Current is not null)
        {
            return Invoke(body);
        }

        var ambient = DbosAmbient.Current;
        if (transaction.RequiredRoles.Count > 0)
        {
            // Checked before anything starts (its temporary workflow too); the matching role is assumed while it runs.
            ambient = StepAuthorization.Authorize(transaction, ambient);
        }

        if (ambient?.Workflow is not { } workflow)
        {
            // As DBOS does: a transaction called on its own runs in a workflow "<temp>.name", so recovery can finish it.
            return StepAuthorization.Run(ambient, () => WorkflowExecutor.RunAsync(transaction.TemporaryWorkflow, arguments, () => RunAsync(transaction, arguments, body), null));
        }

        if (ambient.InStep)
        {
            return StepAuthorization.Run(ambient, () => RunUnrecordedAsync(workflow.Runtime, transaction, body));
        }

        // Taken before the first await, like a step's: concurrent calls in a fixed order get fixed ids.
        var functionId = workflow.NextFunctionId();
        return RunRecordedAsync(ambient, workflow, transaction, functionId, body);
    }

    public static T RunSync<T>(TransactionDescriptor transaction, object?[] arguments, Func<T> body)
    {
        if (TransactionSession.Current is not null)
        {
            return body();
        }

        if (DbosAmbient.Current?.Workflow is null && WorkflowExecutor.TakeStartRequest() is { } request)
        {
            // DBOS.StartWorkflow(() => Transaction(...)): start its temporary workflow in the background.
            using var authorized = transaction.RequiredRoles.Count > 0 ? DbosAmbient.Push(StepAuthorization.Authorize(transaction, DbosAmbient.Current)) : null;
            WorkflowExecutor.StartForRequest(transaction.TemporaryWorkflow, arguments, () => RunAsync(transaction, arguments, () => Task.FromResult(body())), null, request);
            return default!;
        }

        return SyncOverAsync.Run(() => RunAsync(transaction, arguments, () => Task.FromResult(body())));
    }

    private static async Task<T> RunUnrecordedAsync<T>(DbosRuntime runtime, TransactionDescriptor transaction, Func<Task<T>> body)
    {
        var outcome = await RunWithRetriesAsync(runtime, ApplicationDatabase.For(runtime, transaction.Name), transaction, body, null).ConfigureAwait(false);
        if (outcome.Failure is { } failure)
        {
            WorkflowExecutor.Rethrow(failure);
        }

        return outcome.Result;
    }

    private static async Task<T> RunRecordedAsync<T>(DbosAmbient ambient, WorkflowContext workflow, TransactionDescriptor transaction, int functionId, Func<Task<T>> body)
    {
        workflow.ThrowIfStopped(); // cancelled or timed out: the next transaction does not run
        var runtime = workflow.Runtime;
        if (workflow.GetRecorded(functionId, transaction.Name) is { } recorded)
        {
            return Replay<T>(runtime.SerializerFor(recorded.Serialization), recorded.Output, recorded.Error);
        }

        var database = ApplicationDatabase.For(runtime, transaction.Name);
        var startedAt = runtime.Options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        Outcome<T> outcome;
        using (DbosAmbient.Push(ambient with { StepFunctionId = functionId, StepName = transaction.Name }))
        {
            var telemetry = Tracing.DbosTracing.StartOperation(workflow, "transaction", transaction.Name, functionId, ambient.Authentication);
            Exception? failed = null;
            try
            {
                outcome = await RunWithRetriesAsync(runtime, database, transaction, body, new Checkpoint(workflow.WorkflowId, functionId, transaction.Name)).ConfigureAwait(false);
                failed = outcome.Failure;
            }
            catch (Exception e)
            {
                failed = e;
                throw;
            }
            finally
            {
                telemetry.Complete(failed, failed is not null && runtime.IsStopping);
            }
        }

        if (outcome.Failure is { } stopped && runtime.IsStopping)
        {
            // Caused by the shutdown: not the transaction's outcome; recovery runs it again.
            WorkflowExecutor.Rethrow(stopped);
        }

        var record = new OperationRecord(
            functionId,
            transaction.Name,
            outcome.Output,
            outcome.Error,
            runtime.Serializer.Name,
            null,
            startedAt,
            runtime.Options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds());
        var existing = await DbRetry.RunAsync(runtime, "checkpoint transaction",
            token => runtime.Database.RecordOperationAsync(workflow.WorkflowId, workflow.OwnerXid, record, token)).ConfigureAwait(false);
        if (existing is not null)
        {
            // Another execution of this workflow recorded this operation first: its outcome is the one that counts.
            if (!string.Equals(existing.FunctionName, transaction.Name, StringComparison.Ordinal))
            {
                throw new UnexpectedStepException(workflow.WorkflowId, functionId, transaction.Name, existing.FunctionName);
            }

            return Replay<T>(runtime.SerializerFor(existing.Serialization), existing.Output, existing.Error);
        }

        if (outcome.Failure is { } failure)
        {
            WorkflowExecutor.Rethrow(failure);
        }

        return outcome.FromRecord ? Replay<T>(runtime.Serializer, outcome.Output, outcome.Error) : outcome.Result;
    }

    private static T Replay<T>(IDbosSerializer serializer, string? output, string? error)
    {
        if (error is not null)
        {
            throw serializer.DeserializeError(error);
        }

        return (T)serializer.Deserialize(output ?? "null", typeof(T))!;
    }

    /// <summary>Runs attempts until one commits, fails for good, or finds the outcome already recorded. Serialization
    /// failures, deadlocks, a busy SQLite file and dropped connections are retried (1 ms, ×1.5, at most 2 s apart).</summary>
    private static async Task<Outcome<T>> RunWithRetriesAsync<T>(DbosRuntime runtime, ApplicationDatabase database, TransactionDescriptor transaction, Func<Task<T>> body, Checkpoint? checkpoint)
    {
        // A read-only transaction has no effects to commit its output with: the system database records it, as a step's.
        var outputCheckpoint = transaction.ReadOnly ? null : checkpoint;
        if (outputCheckpoint is not null)
        {
            await DbRetry.RunAsync(runtime, "prepare the application database", database.EnsureSchemaAsync).ConfigureAwait(false);
        }

        var delay = FirstRetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await AttemptAsync(runtime, database, transaction, body, outputCheckpoint).ConfigureAwait(false);
            }
            catch (RetryTransactionException e) when (!runtime.IsStopping)
            {
                runtime.Logger.LogInformation(e.InnerException,
                    "Transaction {TransactionName} (workflow {WorkflowId}) did not commit: {Reason} (attempt {Attempt}); retrying in {Delay} ms.",
                    transaction.Name, checkpoint?.WorkflowId, e.Message, attempt, delay.TotalMilliseconds);
                await Task.Delay(delay, runtime.Options.TimeProvider, runtime.StoppingToken).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(MaxRetryDelay.Ticks, (long)(delay.Ticks * RetryBackoffRate)));
            }
        }
    }

    private static async Task<Outcome<T>> AttemptAsync<T>(DbosRuntime runtime, ApplicationDatabase database, TransactionDescriptor transaction, Func<Task<T>> body, Checkpoint? checkpoint)
    {
        var token = runtime.StoppingToken;
        await using var lease = database.CreateContext();
        var context = lease.Context;
        DbConnection connection;
        DbTransaction dbTransaction;
        try
        {
            await context.Database.OpenConnectionAsync(token).ConfigureAwait(false);
            connection = context.Database.GetDbConnection();

            // Before the transaction, not inside it: a serializable transaction that reads transaction_outputs and then
            // writes there conflicts with every concurrent one that does the same, although their rows are disjoint. A
            // concurrent execution that records this operation after this read makes our insert violate the key, and the
            // next attempt finds its record here.
            if (checkpoint is not null
                && await ApplicationDatabase.GetRecordedAsync(connection, null, checkpoint.WorkflowId, checkpoint.FunctionId, token).ConfigureAwait(false) is { } recorded)
            {
                // An earlier execution committed this transaction (and died before recording it in the system database).
                return FromRecord<T>(checkpoint, recorded);
            }

            dbTransaction = await ApplicationDatabase.BeginAsync(connection, transaction.IsolationLevel, transaction.ReadOnly, token).ConfigureAwait(false);
        }
        catch (Exception e) when (IsTransient(e))
        {
            throw new RetryTransactionException("the application database was not available", e);
        }

        Exception? failure = null;
        await using (dbTransaction.ConfigureAwait(false))
        {
            await context.Database.UseTransactionAsync(dbTransaction, token).ConfigureAwait(false);
            using var guard = TransactionGuard.Enter(context);
            var committing = false;
            try
            {
                if (transaction.ReadOnly)
                {
                    await ApplicationDatabase.MakeReadOnlyAsync(connection, dbTransaction, token).ConfigureAwait(false);
                }

                T result;
                try
                {
                    using (TransactionSession.Enter(context))
                    {
                        result = await Invoke(body).ConfigureAwait(false);
                    }
                }
                catch (InvalidOperationException e) when (e.Message == RelationalStrings.TransactionAlreadyStarted)
                {
                    // Database.BeginTransaction(): EF Core refuses it before the guard hears of it.
                    throw new InvalidOperationException(TransactionGuard.BeginMessage, e);
                }

                string? output;
                try
                {
                    output = runtime.Serializer.Serialize(result, typeof(T));
                }
                catch (DbosSerializationException e)
                {
                    throw new OutputNotSerializableException(
                        $"The result of transaction '{transaction.Name}'{(checkpoint is null ? string.Empty : $" in workflow {checkpoint.WorkflowId}")} cannot be recorded; nothing was committed. {e.Message}", e);
                }

                await context.SaveChangesAsync(token).ConfigureAwait(false);
                if (checkpoint is not null)
                {
                    try
                    {
                        await ApplicationDatabase.RecordAsync(connection, dbTransaction, checkpoint.WorkflowId, checkpoint.FunctionId, checkpoint.Name,
                            output, null, runtime.ExecutorId, runtime.Options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds(), ignoreConflict: false, token).ConfigureAwait(false);
                    }
                    catch (Exception e) when (IsUniqueViolation(e))
                    {
                        throw new RetryTransactionException("another execution of the workflow recorded this transaction first", e);
                    }
                }

                committing = true;
                guard.Allow();
                if (context.Database.CurrentTransaction is { } current)
                {
                    await current.CommitAsync(CancellationToken.None).ConfigureAwait(false);
                }
                else
                {
                    await dbTransaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
                }

                return new Outcome<T>(result, output, null, null, false);
            }
            catch (RetryTransactionException)
            {
                await RollbackQuietlyAsync(context, dbTransaction, guard).ConfigureAwait(false);
                throw;
            }
            catch (Exception e) when (IsTransient(e) && (!committing || checkpoint is not null || IsConflict(e)))
            {
                // Not committed (or, for a recorded output, committed and found by the next attempt).
                await RollbackQuietlyAsync(context, dbTransaction, guard).ConfigureAwait(false);
                throw new RetryTransactionException(IsConflict(e) ? "serialization failure or deadlock" : "the application database connection failed", e);
            }
            catch (OutputNotSerializableException e)
            {
                await RollbackQuietlyAsync(context, dbTransaction, guard).ConfigureAwait(false);
                throw new DbosSerializationException(e.Message, e.InnerException);
            }
            catch (Exception e) when (!committing && e is not UnexpectedStepException)
            {
                await RollbackQuietlyAsync(context, dbTransaction, guard).ConfigureAwait(false);
                failure = e;
            }
            finally
            {
                if (transaction.ReadOnly)
                {
                    await ResetQuietlyAsync(connection).ConfigureAwait(false);
                }
            }
        }

        var error = WorkflowExecutor.SerializeError(runtime, failure!);
        if (checkpoint is not null && !runtime.IsStopping)
        {
            // As DBOS does, the error is recorded in the application database too, after the rollback.
            try
            {
                await using var errorTransaction = await ApplicationDatabase.BeginAsync(connection, TransactionIsolationLevel.ReadCommitted, false, token).ConfigureAwait(false);
                var inserted = await ApplicationDatabase.RecordAsync(connection, errorTransaction, checkpoint.WorkflowId, checkpoint.FunctionId, checkpoint.Name,
                    null, error, runtime.ExecutorId, runtime.Options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds(), ignoreConflict: true, token).ConfigureAwait(false);
                var recorded = inserted ? null : await ApplicationDatabase.GetRecordedAsync(connection, errorTransaction, checkpoint.WorkflowId, checkpoint.FunctionId, token).ConfigureAwait(false);
                await errorTransaction.CommitAsync(token).ConfigureAwait(false);
                if (recorded is not null)
                {
                    return FromRecord<T>(checkpoint, recorded);
                }
            }
            catch (Exception e) when (IsTransient(e))
            {
                throw new RetryTransactionException("the error could not be recorded", e);
            }
        }

        return new Outcome<T>(default!, null, error, failure, false);
    }

    private static Outcome<T> FromRecord<T>(Checkpoint checkpoint, RecordedTransaction recorded)
    {
        if (recorded.FunctionName.Length > 0 && !string.Equals(recorded.FunctionName, checkpoint.Name, StringComparison.Ordinal))
        {
            throw new UnexpectedStepException(checkpoint.WorkflowId, checkpoint.FunctionId, checkpoint.Name, recorded.FunctionName);
        }

        return new Outcome<T>(default!, recorded.Output, recorded.Error, null, true);
    }

    private static async Task RollbackQuietlyAsync(DbContext context, DbTransaction transaction, TransactionGuard.Lease guard)
    {
        guard.Allow();
        try
        {
            if (context.Database.CurrentTransaction is { } current)
            {
                await current.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
            }
            else
            {
                await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is DbException or InvalidOperationException)
        {
            // The connection is gone or the transaction already ended: either way nothing was committed.
        }
    }

    private static async Task ResetQuietlyAsync(DbConnection connection)
    {
        try
        {
            await ApplicationDatabase.ResetReadOnlyAsync(connection).ConfigureAwait(false);
        }
        catch (DbException)
        {
            // The connection is closed with the context; a broken one is not pooled.
        }
    }

    private static Task<T> Invoke<T>(Func<Task<T>> body)
    {
        try
        {
            return body();
        }
        catch (Exception e)
        {
            return Task.FromException<T>(e);
        }
    }

    /// <summary>A failure that rolled the transaction back and is worth retrying. EF Core wraps provider errors
    /// (<c>DbUpdateException</c>), so the whole chain is searched.</summary>
    internal static bool IsTransient(Exception e)
    {
        for (var current = e; current is not null; current = current.InnerException)
        {
            if (current is DbosException)
            {
                return false;
            }

            if (DbRetry.IsTransient(current))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Serialization failure (40001), deadlock (40P01), busy or locked SQLite database.</summary>
    internal static bool IsConflict(Exception e)
    {
        for (var current = e; current is not null; current = current.InnerException)
        {
            if (current is PostgresException { SqlState: "40001" or "40P01" } or SqliteException { SqliteErrorCode: 5 or 6 })
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsUniqueViolation(Exception e)
        => e is PostgresException { SqlState: "23505" } or SqliteException { SqliteErrorCode: 19 };

    private sealed record Checkpoint(string WorkflowId, int FunctionId, string Name);

    /// <summary>Committed (<see cref="Result"/>, <see cref="Output"/>), failed and rolled back (<see cref="Failure"/>,
    /// <see cref="Error"/>), or recorded by an earlier execution (<see cref="FromRecord"/>, output or error).</summary>
    private sealed record Outcome<T>(T Result, string? Output, string? Error, Exception? Failure, bool FromRecord);

    private sealed class RetryTransactionException(string reason, Exception inner) : Exception(reason, inner);

    private sealed class OutputNotSerializableException(string message, Exception inner) : Exception(message, inner);
}
