using System.Collections.Generic;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using Dbos.Internal;
using Dbos.Serialization;
using Dbos.SystemDatabase;

namespace Dbos.Benchmarks;

/// <summary>
/// The recovery path without the database: a re-executed workflow whose steps are already recorded returns each
/// recorded output (name check + portable_json deserialization) instead of running the step. Ten recorded steps per
/// invocation, reported per step. Loading the records is one query per recovered workflow (GetOperationsAsync).
/// </summary>
[MemoryDiagnoser]
public class ReplayBenchmarks
{
    private const int Recorded = 10;
    private DbosRuntime? _runtime;
    private WorkflowDescriptor? _descriptor;
    private IReadOnlyDictionary<int, OperationRecord>? _ints;
    private IReadOnlyDictionary<int, OperationRecord>? _records;

    [GlobalSetup]
    public void Setup()
    {
        // Replay never reaches the database: an unstarted runtime only lends its serializer and clock.
        _runtime = new DbosRuntime(new DbosOptions { SystemDatabaseUrl = "sqlite:///unused-by-replay.sqlite" });
        _descriptor = new WorkflowDescriptor("Steps", "MicroWorkflows", 3, ["steps"], [typeof(int)], typeof(int), "micro", static (_, _) => Task.FromResult<object?>(null));
        var ints = new Dictionary<int, OperationRecord>();
        var records = new Dictionary<int, OperationRecord>();
        var order = PortableJsonSerializer.Default.Serialize(new Order(7, "book", 9.99m, ["gift", "express"]), typeof(Order));
        for (var i = 0; i < Recorded; i++)
        {
            ints[i] = new OperationRecord(i, "Step", (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), null, PortableJsonSerializer.FormatName);
            records[i] = new OperationRecord(i, "LoadOrder", order, null, PortableJsonSerializer.FormatName);
        }

        _ints = ints;
        _records = records;
    }

    [Benchmark(OperationsPerInvoke = Recorded)]
    public async Task<int> ReplayIntStep()
    {
        var context = new WorkflowContext(_runtime!, "replay", _descriptor!, "owner", _ints!);
        using (DbosAmbient.Push(new DbosAmbient { Workflow = context }))
        {
            var total = 0;
            for (var i = 0; i < Recorded; i++)
            {
                total += await MicroWorkflows.Step(i);
            }

            return total;
        }
    }

    [Benchmark(OperationsPerInvoke = Recorded)]
    public async Task<int> ReplayRecordStep()
    {
        var context = new WorkflowContext(_runtime!, "replay", _descriptor!, "owner", _records!);
        using (DbosAmbient.Push(new DbosAmbient { Workflow = context }))
        {
            var total = 0;
            for (var i = 0; i < Recorded; i++)
            {
                total += (await MicroWorkflows.LoadOrder(i)).Id;
            }

            return total;
        }
    }
}
