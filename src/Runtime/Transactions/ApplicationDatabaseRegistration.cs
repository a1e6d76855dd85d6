using System;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Dbos.Transactions;

/// <summary>How the runtime gets a new <see cref="DbContext"/> of the application database for each transaction attempt.</summary>
internal sealed class ApplicationDatabaseRegistration
{
    private readonly Func<IServiceProvider, ApplicationContextLease> _create;

    private ApplicationDatabaseRegistration(Type contextType, Func<IServiceProvider, ApplicationContextLease> create)
    {
        ContextType = contextType;
        _create = create;
    }

    public Type ContextType { get; }

    public static ApplicationDatabaseRegistration FromFactory<TContext>(Func<TContext> createContext)
        where TContext : DbContext
        => new(typeof(TContext), _ => new ApplicationContextLease(
            createContext() ?? throw new InvalidOperationException($"The factory given to UseApplicationDatabase<{typeof(TContext).Name}> returned null."),
            null));

    public static ApplicationDatabaseRegistration FromServices<TContext>()
        where TContext : DbContext
        => new(typeof(TContext), services =>
        {
            if (services.GetService(typeof(IDbContextFactory<TContext>)) is IDbContextFactory<TContext> factory)
            {
                return new ApplicationContextLease(factory.CreateDbContext(), null);
            }

            var scope = services.CreateAsyncScope();
            if (scope.ServiceProvider.GetService(typeof(TContext)) is TContext context)
            {
                return new ApplicationContextLease(context, scope);
            }

            _ = scope.DisposeAsync();
            throw new InvalidOperationException(
                $"UseApplicationDatabase<{typeof(TContext).Name}>() takes the DbContext from the service provider, but {typeof(TContext).FullName} is not registered there. " +
                $"Register it with services.AddDbContext<{typeof(TContext).Name}>(...) or services.AddDbContextFactory<{typeof(TContext).Name}>(...), " +
                $"or pass a factory: options.UseApplicationDatabase(() => new {typeof(TContext).Name}(...)).");
        });

    public ApplicationContextLease Create(IServiceProvider services) => _create(services);
}

/// <summary>A DbContext for one transaction attempt, and the DI scope it came from (disposed with it).</summary>
internal sealed class ApplicationContextLease(DbContext context, AsyncServiceScope? scope) : IAsyncDisposable
{
    public DbContext Context { get; } = context;

    public async ValueTask DisposeAsync()
    {
        if (scope is { } owned)
        {
            // The scope owns the context it resolved.
            await owned.DisposeAsync().ConfigureAwait(false);
        }
        else
        {
            await Context.DisposeAsync().ConfigureAwait(false);
        }
    }
}
