using System.Collections.Concurrent;
using System.Threading.Tasks;

namespace Dbos.Tests;

/// <summary>What test workflows did: call counts per key, gates a step can wait on, and flags.</summary>
public static class Probe
{
    private static readonly ConcurrentDictionary<string, int> Counts = new();
    private static readonly ConcurrentDictionary<string, TaskCompletionSource> Gates = new();
    private static readonly ConcurrentDictionary<string, bool> Flags = new();

    public static void Reset()
    {
        Counts.Clear();
        Gates.Clear();
        Flags.Clear();
    }

    public static int Hit(string key) => Counts.AddOrUpdate(key, 1, (_, n) => n + 1);

    public static int Count(string key) => Counts.TryGetValue(key, out var n) ? n : 0;

    public static TaskCompletionSource Gate(string key) => Gates.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    public static void Open(string key) => Gate(key).TrySetResult();

    public static bool Flag(string key) => Flags.TryGetValue(key, out var value) && value;

    public static void SetFlag(string key, bool value) => Flags[key] = value;
}
