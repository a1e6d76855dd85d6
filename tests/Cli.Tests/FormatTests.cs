using System;
using System.Linq;
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

    [Test]
    public void Each_application_has_its_own_latest_version_in_a_shared_system_database()
    {
        var at = new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
        ApplicationVersionInfo[] versions = // latest first, as ListApplicationVersionsAsync returns them
        [
            new("1", "b-2", at, at, "billing"), new("2", "s-9", at.AddMinutes(-1), at, "shipping"), new("3", "b-1", at.AddMinutes(-2), at, "billing"),
            new("4", "solo", at.AddMinutes(-3), at, null),
        ];
        Assert.That(VersionJson.From(versions).Select(v => (v.VersionName, v.Latest)),
            Is.EqualTo(new[] { ("b-2", true), ("s-9", true), ("b-1", false), ("solo", true) }));
    }

    [TestCase("2026-12-01T10:00:00Z", "2026-12-01T10:00:00.0000000+00:00")]
    [TestCase("2026-12-01T11:00:00+01:00", "2026-12-01T10:00:00.0000000+00:00")]
    [TestCase("2026-12-01T10:00:00", "2026-12-01T10:00:00.0000000+00:00")]
    [TestCase("2026-12-01", "2026-12-01T00:00:00.0000000+00:00")]
    public void Backfill_times_are_ISO_8601_and_UTC_without_an_offset(string text, string expected)
        => Assert.That(ScheduleCommands.ParseTime(text, "--from").ToString("O", System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(expected));

    [Test]
    public void A_backfill_time_that_is_not_one_is_a_usage_error()
    {
        var error = Assert.Throws<CliException>(() => ScheduleCommands.ParseTime("last tuesday", "--to"))!;
        Assert.That(error.ExitCode, Is.EqualTo(ExitCodes.Usage));
        Assert.That(error.Message, Is.EqualTo("--to 'last tuesday' is not a time: use ISO 8601, e.g. 2026-12-01T10:00:00Z."));
    }
}
