using System;
using Dbos.Transactions;
using Microsoft.EntityFrameworkCore;

namespace Dbos;

public sealed partial class DbosOptions
{
    /// <summary>The application database <c>[Transaction]</c> methods run in, or null when none is configured.</summary>
    internal ApplicationDatabaseRegistration? ApplicationDatabase { get; private set; }

    /// <summary>
    /// Makes <typeparamref name="TContext"/> the application database: <c>[Transaction]</c> methods run in a new instance
    /// of it, taken from the service provider (an <c>IDbContextFactory&lt;TContext&gt;</c> if registered, else a scoped
    /// <typeparamref name="TContext"/> from <c>services.AddDbContext&lt;TContext&gt;(...)</c>). The provider must be
    /// Npgsql (PostgreSQL) or SQLite; the database may differ from the system database. The runtime creates its table
    /// <c>transaction_outputs</c> there (schema <c>dbos</c> on PostgreSQL) at the first transaction.
    /// </summary>
    public DbosOptions UseApplicationDatabase<TContext>()
        where TContext : DbContext
    {
        ApplicationDatabase = ApplicationDatabaseRegistration.FromServices<TContext>();
        return this;
    }

    /// <summary>
    /// Makes <typeparamref name="TContext"/> the application database, created by <paramref name="createContext"/> (one
    /// new instance per transaction attempt; the runtime disposes it). For apps without a host or service provider.
    /// </summary>
    public DbosOptions UseApplicationDatabase<TContext>(Func<TContext> createContext)
        where TContext : DbContext
    {
        ArgumentNullException.ThrowIfNull(createContext);
        ApplicationDatabase = ApplicationDatabaseRegistration.FromFactory(createContext);
        return this;
    }
}
