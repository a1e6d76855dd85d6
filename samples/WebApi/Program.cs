using System;
using System.Linq;
using Dbos;
using Dbos.Samples.WebApi;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Trace;

// A web API whose handlers start durable workflows for the signed-in user. Run it with
//   dotnet run --project samples/WebApi
// then, in another terminal:
//   curl -s -X POST -H 'X-Demo-User: alice' -H 'X-Demo-Roles: customer' http://127.0.0.1:5080/orders/42
//   curl -s http://127.0.0.1:5080/workflows/order-42/events/status
// and open the dashboard at http://127.0.0.1:5080/dbos/ (the demo lets anonymous callers in from this machine; others need
// the role admin: X-Demo-User and X-Demo-Roles: admin headers).
// Settings (appsettings.json, environment variables such as Dbos__SystemDatabaseUrl, or --Dbos:SystemDatabaseUrl=...):
//   Dbos:SystemDatabaseUrl   default: the SQLite file webapi_system.sqlite; a postgresql:// URL for PostgreSQL
//   Tracing:Console          default: true; spans (ASP.NET Core requests, DBOS workflows and steps) printed to the console
var builder = WebApplication.CreateBuilder(args);
if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
{
    // Loopback only: the demo authentication below trusts headers.
    builder.WebHost.UseUrls("http://127.0.0.1:5080");
}

// The "Dbos" section of the configuration (docs/configuration.md): SystemDatabaseUrl and ApplicationName here.
builder.Services
    .AddDbos(builder.Configuration.GetSection("Dbos"), dbos => dbos.AddQueue(RefundWorkflows.Queue))
    .AddDbosAspNetCore();

builder.Services.AddAuthentication(DemoAuthenticationHandler.SchemeName)
    .AddScheme<AuthenticationSchemeOptions, DemoAuthenticationHandler>(DemoAuthenticationHandler.SchemeName, null);

// Who may open the DBOS dashboard: admins.
builder.Services.AddAuthorization(authorization => authorization.AddPolicy("dbos-dashboard", policy => policy.RequireRole("admin")));

builder.Services.AddOpenTelemetry().WithTracing(tracer =>
{
    tracer.AddSource("Microsoft.AspNetCore").AddDbosInstrumentation();
    if (builder.Configuration.GetValue("Tracing:Console", true))
    {
        tracer.AddConsoleExporter();
    }
});

var app = builder.Build();
app.UseAuthentication();
app.UseDbos();

// The DBOS dashboard at /dbos/: admins, and (Dashboard:AllowAnonymousOnLocalhost, default true here) anyone on this machine.
app.MapDbosDashboard("/dbos", dashboard =>
{
    dashboard.AuthorizationPolicy = "dbos-dashboard";
    dashboard.AllowAnonymousOnLocalhost = app.Configuration.GetValue("Dashboard:AllowAnonymousOnLocalhost", true);
});

// Starts the order workflow (ID "order-{id}": posting twice does not order twice) and answers at once.
app.MapPost("/orders/{id:int}", async (int id) =>
{
    WorkflowHandle<string> handle;
    using (new SetWorkflowID($"order-{id}"))
    {
        handle = await DBOS.StartWorkflowAsync(() => OrderWorkflows.PlaceOrder(id));
    }

    return Results.Accepted($"/workflows/{handle.WorkflowId}", new { workflowId = handle.WorkflowId });
});

// Asks for a refund: enqueued on the "refunds" queue, it waits for a decision (POST /refunds/{id}/decision/approve).
app.MapPost("/refunds/{id:int}", async (int id, decimal? amount) =>
{
    WorkflowHandle<string> handle;
    using (new SetWorkflowID($"refund-{id}"))
    {
        handle = await DBOS.EnqueueAsync(RefundWorkflows.Queue, () => RefundWorkflows.Refund(id, amount ?? 10m));
    }

    return Results.Accepted($"/workflows/{handle.WorkflowId}", new { workflowId = handle.WorkflowId });
});

// Decides a waiting refund: "approve" or anything else (rejected).
app.MapPost("/refunds/{id:int}/decision/{decision}", async (int id, string decision) =>
{
    await DBOS.SendAsync($"refund-{id}", decision, "decision");
    return Results.Accepted($"/workflows/refund-{id}", new { workflowId = $"refund-{id}", decision });
});

// The latest value of a workflow's event, waiting up to ?timeoutSeconds= (default 0) for it; 404 when it is not set.
app.MapGet("/workflows/{id}/events/{key}", async (string id, string key, double? timeoutSeconds) =>
{
    var value = await DBOS.GetEventAsync<string>(id, key, TimeSpan.FromSeconds(Math.Clamp(timeoutSeconds ?? 0, 0, 60)));
    return value is null
        ? Results.NotFound(new { workflowId = id, key, message = "The event is not set (yet)." })
        : Results.Ok(new { workflowId = id, key, value });
});

// The workflow's status, with the user who started it.
app.MapGet("/workflows/{id}", async (string id, DbosRuntime dbos) =>
    await dbos.GetWorkflowStatusAsync(id) is { } status
        ? Results.Ok(new { status.WorkflowId, status.Status, status.Name, status.AuthenticatedUser, status.AssumedRole, status.CreatedAt, status.CompletedAt })
        : Results.NotFound(new { workflowId = id, message = "No such workflow." }));

// The workflow's result, waiting for it.
app.MapGet("/workflows/{id}/result", async (string id) =>
{
    var handle = await DBOS.RetrieveWorkflowAsync<string>(id);
    return Results.Ok(new { workflowId = id, result = await handle.GetResultAsync() });
});

// What DBOS sees of the caller.
app.MapGet("/whoami", () => Results.Ok(new
{
    user = DBOS.AuthenticatedUser,
    roles = DBOS.AuthenticatedRoles,
    method = DBOS.Request.Method,
    url = DBOS.Request.Url,
    client = DBOS.Request.ClientAddress,
    executor = DBOS.Config.ExecutorId,
}));

app.Run();

/// <summary>Public for the tests' WebApplicationFactory.</summary>
public partial class Program;
