using System;
using System.Threading;
using System.Threading.Tasks;
using Dbos.Internal;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Dbos;

/// <summary>Registers DBOS in a service collection.</summary>
public static class DbosServiceCollectionExtensions
{
    /// <summary>
    /// Adds the DBOS runtime as a singleton, a hosted service that starts it (migrates the system database, registers
    /// the application version, recovers pending workflows) and stops it gracefully, the classes with
    /// <c>[Workflow]</c> methods and their typed clients (<c>I&lt;Class&gt;Client</c>). The runtime takes its settings from
    /// <c>IOptions&lt;DbosOptions&gt;</c>, so <paramref name="configure"/>, <c>services.Configure&lt;DbosOptions&gt;(...)</c> and
    /// <c>PostConfigure</c> all apply; they are checked when the host starts.
    /// </summary>
    public static IServiceCollection AddDbos(this IServiceCollection services, Action<DbosOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        return AddDbosCore(services, configuration: null, configure);
    }

    /// <summary>Adds DBOS with the settings of <c>IOptions&lt;DbosOptions&gt;</c> (<c>services.Configure&lt;DbosOptions&gt;(...)</c>),
    /// else the defaults: a SQLite system database, or <c>DBOS_SYSTEM_DATABASE_URL</c>.</summary>
    public static IServiceCollection AddDbos(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return AddDbosCore(services, configuration: null, configure: null);
    }

    /// <summary>
    /// Adds DBOS as <see cref="AddDbos(IServiceCollection, Action{DbosOptions})"/> does, with the settings of a configuration
    /// section, e.g. <c>builder.Configuration.GetSection("Dbos")</c>, whose keys are named as the <see cref="DbosOptions"/>
    /// properties (<c>SystemDatabaseUrl</c>, <c>ApplicationName</c>, <c>SystemDatabasePoolSize</c>, <c>ShutdownTimeout</c>, ...;
    /// see docs/configuration.md). An unknown key or a value that does not parse fails the host's start with a message
    /// naming the key.
    /// </summary>
    public static IServiceCollection AddDbos(this IServiceCollection services, IConfiguration configuration)
        => AddDbos(services, configuration, static _ => { });

    /// <summary>Adds DBOS with the settings of a configuration section, then <paramref name="configure"/> (which runs after
    /// the section is applied, so code wins over configuration).</summary>
    public static IServiceCollection AddDbos(this IServiceCollection services, IConfiguration configuration, Action<DbosOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(configure);
        if (DbosOptionsConfiguration.PathOf(configuration) is null)
        {
            throw new ArgumentException(
                "Pass the configuration section that holds the DBOS settings, e.g. AddDbos(builder.Configuration.GetSection(\"Dbos\")), " +
                "not the whole configuration.", nameof(configuration));
        }

        return AddDbosCore(services, configuration, configure);
    }

    /// <summary>
    /// Adds a <see cref="DbosClient"/> singleton for a process that drives workflows without running them (no hosted service, no
    /// executor, no migration): inject it, or bind a generated typed client to it with <c>new OrdersClient(client)</c>. It connects
    /// at its first call and is disposed with the container.
    /// </summary>
    public static IServiceCollection AddDbosClient(this IServiceCollection services, Action<DbosOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.TryAddSingleton(_ =>
        {
            var options = new DbosOptions();
            configure(options);
            return new DbosClient(options);
        });
        return services;
    }

    /// <summary>Adds a <see cref="DbosClient"/> as <see cref="AddDbosClient(IServiceCollection, Action{DbosOptions})"/> does, with the
    /// settings of a configuration section (the keys <c>AddDbos</c> reads, e.g. <c>SystemDatabaseUrl</c>).</summary>
    public static IServiceCollection AddDbosClient(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return AddDbosClient(services, options => new DbosOptionsConfiguration(configuration).Configure(options));
    }

    private static IServiceCollection AddDbosCore(IServiceCollection services, IConfiguration? configuration, Action<DbosOptions>? configure)
    {
        var options = services.AddOptions<DbosOptions>();
        if (configuration is not null)
        {
            services.AddSingleton<IConfigureOptions<DbosOptions>>(new DbosOptionsConfiguration(configuration));
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DbosOptions>>(
            new DbosOptionsValidator(configuration is null ? null : DbosOptionsConfiguration.PathOf(configuration))));
        options.ValidateOnStart();
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<DbosOptions>>().Value);
        services.TryAddSingleton(sp => new DbosRuntime(sp.GetRequiredService<IOptions<DbosOptions>>().Value, sp));
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
