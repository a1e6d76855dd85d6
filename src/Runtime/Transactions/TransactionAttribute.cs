using System;

namespace Dbos;

/// <summary>
/// Marks a method of a <c>partial</c> class as a transaction on the application database (the EF Core
/// <c>DbContext</c> set with <see cref="DbosOptions.UseApplicationDatabase{TContext}()"/>). The runtime opens a database
/// transaction with <see cref="IsolationLevel"/>, the method reads and writes through <see cref="DBOS.SqlSession"/>,
/// and when it returns the runtime saves the tracked changes and commits; when it throws, it rolls back. Called from a
/// workflow, the method's output is written in the same database transaction as its effects, so it runs exactly once
/// even if the process dies right after the commit. Called outside a workflow, it runs in a temporary workflow named
/// <c>&lt;temp&gt;.Name</c>. Serialization failures and deadlocks are retried.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = false)]
public sealed class TransactionAttribute : Attribute
{
    /// <summary>The isolation level of the database transaction. Defaults to <see cref="TransactionIsolationLevel.Serializable"/>.</summary>
    public TransactionIsolationLevel IsolationLevel { get; set; } = TransactionIsolationLevel.Serializable;

    /// <summary>The name recorded for the transaction. Defaults to the method name.</summary>
    public string? Name { get; set; }

    /// <summary>
    /// A read-only transaction: on PostgreSQL <c>SET TRANSACTION READ ONLY</c>, on SQLite <c>PRAGMA query_only</c> and a
    /// deferred transaction. Its output is recorded in the system database only (it has no effects to commit with it).
    /// </summary>
    public bool ReadOnly { get; set; }
}

/// <summary>The isolation level of a <see cref="TransactionAttribute"/> transaction. SQLite transactions are always
/// serializable, whatever the level asked for.</summary>
public enum TransactionIsolationLevel
{
    /// <summary><c>SERIALIZABLE</c>: the default; conflicts surface as serialization failures, which the runtime retries.</summary>
    Serializable = 0,

    /// <summary><c>REPEATABLE READ</c>.</summary>
    RepeatableRead = 1,

    /// <summary><c>READ COMMITTED</c>.</summary>
    ReadCommitted = 2,
}
