using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading;
using Dbos.Internal;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Dbos.Transactions;

/// <summary>
/// Stops user code from committing, rolling back or replacing the transaction of a <c>[Transaction]</c> method
/// (<c>Database.CommitTransaction()</c>, <c>CurrentTransaction.Rollback()</c>, <c>Database.UseTransaction(...)</c>, ...):
/// the runtime owns it, because the method's output is committed with it. EF Core announces each of these on its
/// <see cref="DiagnosticListener"/> before doing it; for a DbContext the runtime has lent out, the announcement
/// throws, so nothing is committed half-way. Works with any DbContext, with no interceptor to configure.
/// </summary>
internal static class TransactionGuard
{
    private static readonly ConditionalWeakTable<DbContext, Lease> Guarded = new();
    private static int s_subscribed;

    private static readonly Dictionary<string, string> Messages = new(StringComparer.Ordinal)
    {
        [RelationalEventId.TransactionCommitting.Name!] = "Do not commit the transaction of a [Transaction] method yourself: the DBOS runtime owns it. " +
            "It saves your changes and commits when the method returns, together with the method's recorded output, so the method runs exactly once. Nothing was committed.",
        [RelationalEventId.TransactionRollingBack.Name!] = "Do not roll back the transaction of a [Transaction] method yourself: the DBOS runtime owns it. " +
            "Throw an exception from the method instead: the runtime then rolls back and records the error.",
        [RelationalEventId.TransactionStarting.Name!] = "Do not begin a transaction inside a [Transaction] method: the DBOS runtime already opened one, " +
            "with the isolation level of [Transaction(IsolationLevel = ...)], and commits it when the method returns. Nothing was committed.",
        [RelationalEventId.TransactionUsed.Name!] = "Do not switch the transaction of a [Transaction] method (Database.UseTransaction): the DBOS runtime owns it " +
            "and commits it with the method's recorded output. Nothing was committed.",
    };

    /// <summary>The message for <c>Database.BeginTransaction()</c>, which EF Core refuses before announcing it.</summary>
    public static string BeginMessage => Messages[RelationalEventId.TransactionStarting.Name!];

    /// <summary>Guards <paramref name="context"/> until disposed; <see cref="Lease.Allow"/> lets the runtime's own commit or rollback through.</summary>
    public static Lease Enter(DbContext context)
    {
        EnsureSubscribed();
        var lease = new Lease(context);
        Guarded.AddOrUpdate(context, lease);
        return lease;
    }

    private static void EnsureSubscribed()
    {
        if (Interlocked.Exchange(ref s_subscribed, 1) == 0)
        {
            DiagnosticListener.AllListeners.Subscribe(new ListenerObserver());
        }
    }

    internal sealed class Lease(DbContext context) : IDisposable
    {
        private int _allowed;

        public bool Allowed => Volatile.Read(ref _allowed) == 1;

        public void Allow() => Volatile.Write(ref _allowed, 1);

        public void Dispose() => Guarded.Remove(context);
    }

    private sealed class ListenerObserver : IObserver<DiagnosticListener>
    {
        public void OnNext(DiagnosticListener value)
        {
            if (value.Name == DbLoggerCategory.Name)
            {
                value.Subscribe(new EventObserver(), static name => Messages.ContainsKey(name));
            }
        }

        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }
    }

    private sealed class EventObserver : IObserver<KeyValuePair<string, object?>>
    {
        public void OnNext(KeyValuePair<string, object?> value)
        {
            if (value.Value is DbContextEventData { Context: { } context }
                && Guarded.TryGetValue(context, out var lease)
                && !lease.Allowed
                && Messages.TryGetValue(value.Key, out var message))
            {
                throw new InvalidOperationException(message);
            }
        }

        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }
    }
}

/// <summary>The DbContext of the <c>[Transaction]</c> method running in the current async flow. It belongs to the
/// workflow execution that ran the transaction: a workflow started from inside a transaction (whose async flow
/// inherits this) does not see it.</summary>
internal static class TransactionSession
{
    private static readonly AsyncLocal<Session?> Slot = new();

    public static DbContext? Current
        => Slot.Value is { } session && ReferenceEquals(session.Workflow, DbosAmbient.Current?.Workflow) ? session.Context : null;

    public static IDisposable Enter(DbContext context)
    {
        var previous = Slot.Value;
        Slot.Value = new Session(context, DbosAmbient.Current?.Workflow);
        return new Restore(previous);
    }

    private sealed record Session(DbContext Context, WorkflowContext? Workflow);

    private sealed class Restore(Session? previous) : IDisposable
    {
        public void Dispose() => Slot.Value = previous;
    }
}
