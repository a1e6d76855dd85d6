using System;
using Dbos.AspNetCore;
using Microsoft.AspNetCore.Builder;

namespace Microsoft.Extensions.DependencyInjection
{
    /// <summary>Registers the ASP.NET Core integration of DBOS.</summary>
    public static class DbosAspNetCoreServiceCollectionExtensions
    {
        /// <summary>
        /// Configures the DBOS middleware (<see cref="DbosApplicationBuilderExtensions.UseDbos"/>). Register the runtime with
        /// <c>AddDbos(...)</c> as well: <c>builder.Services.AddDbos(o => ...).AddDbosAspNetCore();</c>
        /// </summary>
        public static IServiceCollection AddDbosAspNetCore(this IServiceCollection services, Action<DbosAspNetCoreOptions>? configure = null)
        {
            ArgumentNullException.ThrowIfNull(services);
            var builder = services.AddOptions<DbosAspNetCoreOptions>();
            if (configure is not null)
            {
                builder.Configure(configure);
            }

            return services;
        }
    }
}

namespace Microsoft.AspNetCore.Builder
{
    /// <summary>Adds the DBOS middleware to the request pipeline.</summary>
    public static class DbosApplicationBuilderExtensions
    {
        /// <summary>
        /// Gives each request a DBOS context: <c>DBOS.Request</c>, the user and roles of <c>HttpContext.User</c>
        /// (<c>DBOS.AuthenticatedUser</c>, <c>DBOS.AuthenticatedRoles</c>), and the <c>dbos-idempotency-key</c> header as the
        /// ID of the first workflow the request starts; workflows started by the handler store and keep them. Call it after
        /// <c>UseAuthentication()</c> (and after <c>UseRouting()</c> if you call it, so route values are known).
        /// </summary>
        public static IApplicationBuilder UseDbos(this IApplicationBuilder app)
        {
            ArgumentNullException.ThrowIfNull(app);
            return app.UseMiddleware<DbosMiddleware>();
        }
    }
}
