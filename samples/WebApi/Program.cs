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
    .AddDbos(builder.Configuration.GetSection("Dbos"))
    .AddDbosAspNetCore();

builder.Services.AddAuthentication(DemoAuthenticationHandler.SchemeName)
    .AddScheme<AuthenticationSchemeOptions, DemoAuthenticationHandler>(DemoAuthenticationHandler.SchemeName, null);

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
