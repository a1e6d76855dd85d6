using System;
using Microsoft.Extensions.Logging;
using NUnit.Framework;

namespace Dbos.Tests;

/// <summary>With the environment variable DBOS_TEST_LOG=1, the runtimes of the tests log to the test console as they run
/// (for diagnosing a hanging test).</summary>
public sealed class ProgressLoggerProvider : ILoggerProvider
{
    public static ILoggerFactory? FromEnvironment()
        => Environment.GetEnvironmentVariable("DBOS_TEST_LOG") == "1" ? LoggerFactory.Create(b => b.AddProvider(new ProgressLoggerProvider()).SetMinimumLevel(LogLevel.Debug)) : null;

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull
            => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => TestContext.Progress.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : " " + exception)}");
    }
}
