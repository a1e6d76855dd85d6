using System.Collections.Generic;
using System.Threading.Tasks;

namespace Dbos.Messaging;

/// <summary>
/// Wakes waiters by key (<c>"{workflowId}::{topic}"</c>). A waiter takes the key's current signal before it checks the
/// database, so a notification that arrives between the check and the wait is never lost. No thread waits: each waiter
/// holds one task.
/// </summary>
internal sealed class WakeupHub
{
    private readonly object _gate = new();
    private readonly Dictionary<string, Entry> _entries = new(System.StringComparer.Ordinal);

    public Registration Register(string key)
    {
        lock (_gate)
        {
            if (!_entries.TryGetValue(key, out var entry))
            {
                _entries[key] = entry = new Entry();
            }

            entry.Waiters++;
            return new Registration(this, key, entry);
        }
    }

    public void Notify(string key)
    {
        TaskCompletionSource? fired = null;
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var entry))
            {
                fired = entry.Signal;
                entry.Signal = NewSignal();
            }
        }

        fired?.TrySetResult();
    }

    /// <summary>Wakes every waiter (after notifications may have been missed), so each checks the database again.</summary>
    public void NotifyAll()
    {
        List<TaskCompletionSource> fired;
        lock (_gate)
        {
            fired = new List<TaskCompletionSource>(_entries.Count);
            foreach (var entry in _entries.Values)
            {
                fired.Add(entry.Signal);
                entry.Signal = NewSignal();
            }
        }

        foreach (var signal in fired)
        {
            signal.TrySetResult();
        }
    }

    /// <summary>The keys that have waiters now.</summary>
    public List<string> Keys()
    {
        lock (_gate)
        {
            return [.. _entries.Keys];
        }
    }

    internal int KeyCount
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private Task Current(Entry entry)
    {
        lock (_gate)
        {
            return entry.Signal.Task;
        }
    }

    private void Release(string key, Entry entry)
    {
        lock (_gate)
        {
            if (--entry.Waiters == 0)
            {
                _entries.Remove(key);
            }
        }
    }

    internal sealed class Entry
    {
        public TaskCompletionSource Signal = NewSignal();
        public int Waiters;
    }

    internal sealed class Registration(WakeupHub hub, string key, Entry entry) : System.IDisposable
    {
        private bool _disposed;

        /// <summary>Completes at the next notification for the key. Take it before checking the database.</summary>
        public Task Signal => hub.Current(entry);

        public void Dispose()
        {
            if (!_disposed)
            {
                _disposed = true;
                hub.Release(key, entry);
            }
        }
    }
}
