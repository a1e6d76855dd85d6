using System;
using BenchmarkDotNet.Attributes;
using Dbos.Serialization;

namespace Dbos.Benchmarks;

/// <summary>portable_json of a small record: what every checkpoint and every replay pays on top of the database.</summary>
[MemoryDiagnoser]
public class SerializationBenchmarks
{
    private static readonly Order Value = new(42, "book", 9.99m, ["gift", "express"]);
    private static readonly object?[] Arguments = [42, "book"];
    private static readonly Type[] ArgumentTypes = [typeof(int), typeof(string)];
    private readonly PortableJsonSerializer _serializer = PortableJsonSerializer.Default;
    private string _json = string.Empty;
    private string _arguments = string.Empty;

    [GlobalSetup]
    public void Setup()
    {
        _json = _serializer.Serialize(Value, typeof(Order));
        _arguments = _serializer.SerializeArguments(Arguments, ArgumentTypes);
    }

    [Benchmark]
    public string SerializeRecord() => _serializer.Serialize(Value, typeof(Order));

    [Benchmark]
    public object? DeserializeRecord() => _serializer.Deserialize(_json, typeof(Order));

    [Benchmark]
    public string SerializeArguments() => _serializer.SerializeArguments(Arguments, ArgumentTypes);

    [Benchmark]
    public object?[] DeserializeArguments() => _serializer.DeserializeArguments(_arguments, ArgumentTypes);
}
