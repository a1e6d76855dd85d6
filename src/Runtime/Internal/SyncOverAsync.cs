using System;
using System.Threading;
using System.Threading.Tasks;

namespace Dbos.Internal;

/// <summary>Blocking waits for the sync API that cannot deadlock: under a synchronization context (UI, old
/// ASP.NET) or a custom scheduler the work runs on the thread pool, so its continuations never need the
/// blocked thread.</summary>
internal static class SyncOverAsync
{
    public static T Run<T>(Func<Task<T>> operation)
    {
        if (SynchronizationContext.Current is null && TaskScheduler.Current == TaskScheduler.Default)
        {
            return operation().GetAwaiter().GetResult();
        }

        return Task.Run(operation).GetAwaiter().GetResult();
    }

    public static void Run(Func<Task> operation)
    {
        if (SynchronizationContext.Current is null && TaskScheduler.Current == TaskScheduler.Default)
        {
            operation().GetAwaiter().GetResult();
            return;
        }

        Task.Run(operation).GetAwaiter().GetResult();
    }
}
