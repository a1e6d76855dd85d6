using System.Linq;
using System.Net;
using System.Text;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Dbos.AspNetCore.Dashboard;

/// <summary>Who gets in: callers the named policy admits (authenticated through the policy's schemes, as the authorization
/// middleware would), and, when allowed, anonymous callers on this machine. Without a policy nobody else does.</summary>
internal sealed class DashboardAccess(DbosDashboardOptions options)
{
    public const string NoPolicyMessage =
        "The DBOS dashboard has no authorization policy, so it refuses every request. Name one: " +
        "app.MapDbosDashboard(\"/dbos\", o => o.AuthorizationPolicy = \"dbos-dashboard\") with " +
        "builder.Services.AddAuthorization(a => a.AddPolicy(\"dbos-dashboard\", p => p.RequireRole(\"admin\"))); " +
        "or, for local development only, set o.AllowAnonymousOnLocalhost = true and open it from this machine.";

    /// <summary>Whether the request may go on; otherwise the refusal (401 challenge or 403 with the reason) has been written.</summary>
    public async Task<bool> AdmitAsync(HttpContext http)
    {
        if (options.AllowAnonymousOnLocalhost && IsLocal(http))
        {
            return true;
        }

        if (options.AuthorizationPolicy is not { } policyName)
        {
            await RefuseAsync(http, StatusCodes.Status403Forbidden, NoPolicyMessage + (options.AllowAnonymousOnLocalhost ? " This request did not come from this machine." : "")).ConfigureAwait(false);
            return false;
        }

        var services = http.RequestServices;
        var policy = await services.GetRequiredService<IAuthorizationPolicyProvider>().GetPolicyAsync(policyName).ConfigureAwait(false)
            ?? throw new System.InvalidOperationException($"The DBOS dashboard's authorization policy '{policyName}' is not registered: add it with builder.Services.AddAuthorization(a => a.AddPolicy(\"{policyName}\", ...)).");
        var evaluator = services.GetRequiredService<IPolicyEvaluator>();
        var authentication = await evaluator.AuthenticateAsync(policy, http).ConfigureAwait(false);
        var authorization = await evaluator.AuthorizeAsync(policy, authentication, http, null).ConfigureAwait(false);
        if (authorization.Succeeded)
        {
            return true;
        }

        if (authorization.Challenged)
        {
            var schemes = services.GetRequiredService<IAuthenticationSchemeProvider>();
            if (policy.AuthenticationSchemes.Count > 0 || await schemes.GetDefaultChallengeSchemeAsync().ConfigureAwait(false) is not null)
            {
                // A sign-in page (cookies) or a 401 with WWW-Authenticate (bearer tokens), as the app's schemes do it.
                foreach (var scheme in policy.AuthenticationSchemes.DefaultIfEmpty(null))
                {
                    await http.ChallengeAsync(scheme).ConfigureAwait(false);
                }

                return false;
            }

            await RefuseAsync(http, StatusCodes.Status401Unauthorized, $"Sign in to open the DBOS dashboard (policy '{policyName}').").ConfigureAwait(false);
            return false;
        }

        await RefuseAsync(http, StatusCodes.Status403Forbidden, $"{UserName(http)} may not open the DBOS dashboard: the policy '{policyName}' refused.").ConfigureAwait(false);
        return false;
    }

    /// <summary>The signed-in user's name for the page and the audit log; "anonymous" on an admitted loopback request.</summary>
    public static string UserName(HttpContext http)
    {
        var configured = http.RequestServices.GetService<IOptions<DbosAspNetCoreOptions>>()?.Value.NameClaimType;
        if (http.User is { Identity.IsAuthenticated: true } user)
        {
            return (configured is null ? null : user.FindFirst(configured)?.Value) ?? user.Identity?.Name ?? "(authenticated, no name)";
        }

        return "anonymous";
    }

    /// <summary>A request from a loopback address that no proxy forwarded (a proxy on this host would make every request local).</summary>
    private static bool IsLocal(HttpContext http)
        => http.Connection.RemoteIpAddress is { } address && IPAddress.IsLoopback(address)
           && !http.Request.Headers.ContainsKey("X-Forwarded-For") && !http.Request.Headers.ContainsKey("Forwarded");

    private static async Task RefuseAsync(HttpContext http, int status, string message)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "text/plain; charset=utf-8";
        await http.Response.WriteAsync(message, Encoding.UTF8, http.RequestAborted).ConfigureAwait(false);
    }
}
