using System;
using NUnit.Framework;

namespace Dbos.Cli.Tests;

public sealed class FormatTests
{
    [TestCase(0.4, "now")]
    [TestCase(42, "42s ago")]
    [TestCase(90, "1m ago")]
    [TestCase(2 * 3600 + 5, "2h ago")]
    [TestCase(3 * 86400 + 7200, "3d ago")]
    [TestCase(-7200, "in 2h")]
    public void Times_are_shown_relative_to_now(double seconds, string expected)
        => Assert.That(Format.Relative(TimeSpan.FromSeconds(seconds)), Is.EqualTo(expected));

    [Test]
    public void A_time_cell_has_the_relative_and_the_absolute_UTC_time()
    {
        var now = new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
        Assert.That(Format.Time(new DateTimeOffset(2026, 12, 1, 13, 57, 0, TimeSpan.FromHours(2)), now), Is.EqualTo("3m ago (2026-12-01 11:57:00Z)"));
        Assert.That(Format.Time(null, now), Is.Empty);
    }

    [TestCase("30d", 30 * 86400)]
    [TestCase("12h", 12 * 3600)]
    [TestCase("45m", 45 * 60)]
    [TestCase("90s", 90)]
    [TestCase("1.02:00:00", 93600)]
    public void Gc_ages_take_units_or_a_time_span(string text, double seconds)
        => Assert.That(GcCommand.ParseAge(text), Is.EqualTo(TimeSpan.FromSeconds(seconds)));
}
