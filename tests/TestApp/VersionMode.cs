using System;
using System.Threading;
using System.Threading.Tasks;
using Dbos;
using Microsoft.Extensions.Logging;

namespace Dbos.TestApp;

/// <summary>
/// A deploy that changes a workflow: this app is built twice, as Dbos.TestApp (version A of <see cref="VersionedWorkflows.Checkout"/>)
/// and as Dbos.TestApp.B (tests/TestApp.B, VERSION_B defined), so the two builds compute different application versions.
///   version-start DB WORKFLOW_ID   starts Checkout, waits until it has priced and waits for its "go" message, prints "RESULT started"
///                                  and stops (the workflow stays PENDING)
///   version-serve DB               runs (recovering and dequeuing as any process does) until killed
/// Both print "VERSION v" (the application version) and write the runtime's log lines as "LOG level message".
/// </summary>
internal static class VersionMode
{
    public static async Task<int> RunAsync(DbosOptions options, string[] args)
    {
        using var logs = new LoggerFactory([new LineLoggerProvider()]);
        options.LoggerFactory = logs;
        await using var runtime = await DbosRuntime.LaunchAsync(options);
        Console.WriteLine("VERSION " + runtime.ApplicationVersion);
        if (args[0] == "version-start")
        {
            var workflowId = args[2];
            using (new SetWorkflowID(workflowId))
            {
                await DBOS.StartWorkflowAsync(() => new VersionedWorkflows().Checkout(workflowId));
            }

            while ((await DBOS.ListWorkflowStepsAsync(workflowId)).Count < 2)
            {
                await Task.Delay(20);
            }

            Console.WriteLine("RESULT started");
            return 0;
        }

        Console.WriteLine("READY");
        await Task.Delay(TimeSpan.FromMinutes(5));
        return 0;
    }
}

public partial class VersionedWorkflows
{
    [Workflow]
    public async Task<string> Checkout(string orderId)
    {
        var reservation = await Reserve(orderId);
#if VERSION_B
        // B changed the pricing: workflows that already priced with the old code keep its result.
        var price = await DBOS.PatchAsync("new-pricing") ? await NewPrice(orderId) : await OldPrice(orderId);
#else
        var price = await OldPrice(orderId);
#endif
        var decision = await DBOS.RecvAsync<string>("go", TimeSpan.FromMinutes(5)) ?? "timeout";
        return $"{reservation},{price},{decision}";
    }

    [Step]
    private static Task<string> Reserve(string orderId) => Task.FromResult("reserved-" + orderId);

    [Step]
    private static Task<string> OldPrice(string orderId) => Task.FromResult("old-price");

#if VERSION_B
    [Step]
    private static Task<string> NewPrice(string orderId) => Task.FromResult("new-price");
#endif
}

/// <summary>Writes each log line to stdout, so the tests can read the runtime's warnings.</summary>
internal sealed class LineLoggerProvider : ILoggerProvider
{
    private static readonly object Gate = new();

    public ILogger CreateLogger(string categoryName) => new LineLogger();

    public void Dispose()
    {
    }

    private sealed class LineLogger : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull
            => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Gate)
            {
                Console.WriteLine($"LOG {logLevel} {formatter(state, exception)}{(exception is null ? string.Empty : " | " + exception.Message)}");
            }
        }
    }
}
