using System;
using Dbos.Transactions;
using Microsoft.EntityFrameworkCore;

namespace Dbos;

public static partial class DBOS
{
    /// <summary>
    /// The EF Core <see cref="DbContext"/> of the current <c>[Transaction]</c> method: a new instance of the application
    /// DbContext, already in the database transaction the runtime opened. Read and write through it; the runtime saves
    /// its tracked changes and commits when the method returns, and rolls back when it throws. Do not commit, roll back
    /// or begin transactions on it. May only be used inside a <c>[Transaction]</c> method (or code it calls).
    /// </summary>
    /// <exception cref="InvalidOperationException">Outside a <c>[Transaction]</c> method.</exception>
    public static DbContext SqlSession => TransactionSession.Current ?? throw new InvalidOperationException(
        "DBOS.SqlSession may only be used inside a [Transaction] method (or code it calls): it is the DbContext of the database transaction " +
        "the runtime opened for that method. From a workflow or a step, call a [Transaction] method to read or write the application database.");

}

/// <summary>
/// <c>DBOS.SqlSession&lt;TContext&gt;()</c>. A C# 14 extension member, because a class cannot declare both the property
/// <c>SqlSession</c> and a method of that name.
/// </summary>
public static class DbosSqlSessionExtensions
{
    extension(DBOS)
    {
        /// <summary>The <see cref="DBOS.SqlSession"/> as the application's own DbContext type.</summary>
        /// <exception cref="InvalidOperationException">Outside a <c>[Transaction]</c> method, or when the application database is another DbContext type.</exception>
        public static TContext SqlSession<TContext>()
            where TContext : DbContext
        {
            var session = DBOS.SqlSession;
            return session as TContext ?? throw new InvalidOperationException(
                $"DBOS.SqlSession<{typeof(TContext).Name}>(): the application database is a {session.GetType().FullName}, not a {typeof(TContext).FullName}. " +
                "Ask for the DbContext type given to UseApplicationDatabase.");
        }
    }
}
