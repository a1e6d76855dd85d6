using System;
using Microsoft.Extensions.Time.Testing;

namespace Dbos.Testing;

/// <summary>The clock of a <see cref="DbosTestEnvironment"/>: durable sleeps, receive and get-event timeouts, workflow
/// timeouts and step retry intervals all follow it, and it moves only when told to (or, with
/// <see cref="AutoSkip"/>, when nothing else can happen).</summary>
public sealed class DbosTestClock
{
    private readonly FakeTimeProvider _time;
    private long _skippedTicks;

    internal DbosTestClock(DateTimeOffset start, bool autoSkip)
    {
        _time = new FakeTimeProvider(start);
        AutoSkip = autoSkip;
    }

    /// <summary>The <see cref="System.TimeProvider"/> the environment's runtimes use (<see cref="DbosOptions.TimeProvider"/>).</summary>
    public TimeProvider TimeProvider => _time;

    /// <summary>The current time of the clock.</summary>
    public DateTimeOffset UtcNow => _time.GetUtcNow();

    /// <summary>
    /// Whether the clock jumps ahead by itself: whenever a caller outside any workflow waits for a workflow's outcome
    /// (<c>handle.GetResultAsync()</c> or a direct workflow call) and every workflow running in the environment waits on
    /// time (a durable sleep, a receive or get-event timeout, a step retry interval), the clock moves to the earliest of
    /// their wake-up times (or workflow deadlines), so a workflow that sleeps 30 days returns in milliseconds. While a
    /// test only starts workflows, sends messages or reads events, time stands still, so a message sent before the
    /// outcome is awaited is never beaten by a timeout.
    /// </summary>
    public bool AutoSkip { get; set; }

    /// <summary>How far <see cref="AutoSkip"/> has moved the clock in all.</summary>
    public TimeSpan AutoSkipped => TimeSpan.FromTicks(System.Threading.Interlocked.Read(ref _skippedTicks));

    /// <summary>Moves the clock ahead; the timers due by then fire.</summary>
    public void Advance(TimeSpan by)
    {
        if (by < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(by), by, "The clock only moves forward: pass a positive duration.");
        }

        _time.Advance(by);
    }

    /// <summary>Moves the clock ahead to <paramref name="time"/>; the timers due by then fire.</summary>
    public void AdvanceTo(DateTimeOffset time)
    {
        var now = _time.GetUtcNow();
        if (time < now)
        {
            throw new ArgumentOutOfRangeException(nameof(time), time, $"The clock only moves forward: it is {now:O} already.");
        }

        _time.Advance(time - now);
    }

    internal void Skip(TimeSpan by)
    {
        System.Threading.Interlocked.Add(ref _skippedTicks, by.Ticks);
        _time.Advance(by);
    }
}
