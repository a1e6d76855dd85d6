using System.Globalization;
using System.Linq;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Dbos.Benchmarks;

/// <summary>For benchmarks with a Steps parameter: (mean(Steps) - mean(0 steps)) / Steps, same engine and method.</summary>
public sealed class PerStepColumn : IColumn
{
    public string Id => nameof(PerStepColumn);
    public string ColumnName => "Per step";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => "Cost of one checkpointed step: (mean with N steps - mean with 0 steps) / N";

    public bool IsAvailable(Summary summary) => summary.BenchmarksCases.Any(b => b.Parameters.Items.Any(p => p.Name == "Steps"));

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase)
    {
        if (benchmarkCase.Parameters["Steps"] is not int steps || steps == 0)
        {
            return "-";
        }

        var engine = benchmarkCase.Parameters["Engine"];
        var zero = summary.BenchmarksCases.FirstOrDefault(b =>
            b.Descriptor.Equals(benchmarkCase.Descriptor)
            && b.Job.Equals(benchmarkCase.Job)
            && Equals(b.Parameters["Engine"], engine)
            && b.Parameters["Steps"] is 0);
        var mean = summary[benchmarkCase]?.ResultStatistics?.Mean;
        var zeroMean = zero is null ? null : summary[zero]?.ResultStatistics?.Mean;
        if (mean is not { } m || zeroMean is not { } z)
        {
            return "?";
        }

        return ((m - z) / steps / 1000).ToString("0.0", CultureInfo.InvariantCulture) + " µs";
    }
}
