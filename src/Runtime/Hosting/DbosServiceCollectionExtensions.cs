using System;
using System.Threading;
using System.Threading.Tasks;
using Dbos.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Dbos;

/// <summary>Registers DBOS in a service collection.</summary>
public static class DbosServiceCollectionExtensions
{
    /// <summary>
    /// Adds the DBOS runtime as a singleton, a hosted service that starts it (migrates the system database, registers
    /// the application version, recovers pending workflows) and stops it gracefully, the classes with
    /// <c>[Workflow]</c> methods and their typed clients (<c>I&lt;Class&gt;Client</c>).
    /// </summary>
    public static IServiceCollection AddDbos(this IServiceCollection services, Action<DbosOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = new DbosOptions();
        configure?.Invoke(options);
        services.TryAddSingleton(options);
        services.TryAddSingleton(sp => new DbosRuntime(sp.GetRequiredService<DbosOptions>(), sp));
        services.AddHostedService<DbosHostedService>();
        WorkflowRegistry.Global.ApplyServiceRegistrations(services);
        return services;
    }
}

/// <summary>Starts the DBOS runtime with the host and shuts it down gracefully.</summary>
internal sealed class DbosHostedService(DbosRuntime runtime) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => runtime.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => runtime.ShutdownAsync(cancellationToken);
}
