using System;
using Dbos;
using Dbos.AspNetCore;
using Dbos.AspNetCore.Dashboard;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Microsoft.AspNetCore.Builder
{
    /// <summary>Mounts the DBOS web dashboard.</summary>
    public static class DbosDashboardEndpointRouteBuilderExtensions
    {
        /// <summary>
        /// Serves the DBOS dashboard under <paramref name="pattern"/> (open <c>{pattern}/</c> in a browser): workflows with filters,
        /// one workflow's inputs, outputs, steps, children, events and messages, queues, application versions, executors and
        /// schedules, and the actions cancel, resume, fork and delete (each written to the log category
        /// <c>Dbos.AspNetCore.Dashboard</c> with the user). It refuses every request unless <paramref name="configure"/> names an
        /// authorization policy (<see cref="DbosDashboardOptions.AuthorizationPolicy"/>) or allows anonymous callers on this
        /// machine (<see cref="DbosDashboardOptions.AllowAnonymousOnLocalhost"/>). Its JSON API is under <c>{pattern}/api</c>; see docs/dashboard.md.
        /// </summary>
        /// <exception cref="InvalidOperationException">DBOS is not registered (<c>AddDbos</c>), or a policy is named without <c>AddAuthorization</c>.</exception>
        public static IEndpointConventionBuilder MapDbosDashboard(this IEndpointRouteBuilder endpoints, string pattern = "/dbos", Action<DbosDashboardOptions>? configure = null)
        {
            ArgumentNullException.ThrowIfNull(endpoints);
            ArgumentException.ThrowIfNullOrWhiteSpace(pattern);
            var options = new DbosDashboardOptions();
            configure?.Invoke(options);
            options.Validate();

            var services = endpoints.ServiceProvider;
            var registered = services.GetService<IServiceProviderIsService>();
            if (registered is not null && !registered.IsService(typeof(DbosRuntime)))
            {
                throw new InvalidOperationException("MapDbosDashboard needs the DBOS runtime: call builder.Services.AddDbos(...) first.");
            }

            if (options.AuthorizationPolicy is { } policy && services.GetService<IAuthorizationPolicyProvider>() is null)
            {
                throw new InvalidOperationException(
                    $"The dashboard's authorization policy '{policy}' needs authorization services: call builder.Services.AddAuthorization(a => a.AddPolicy(\"{policy}\", ...)).");
            }

            var group = endpoints.MapGroup(pattern.TrimEnd('/') is { Length: > 0 } trimmed ? trimmed : "/");
            new DashboardEndpoints(options, services.GetRequiredService<ILoggerFactory>()).Map(group);
            return group;
        }
    }
}
