using System;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Dbos.SystemDatabase.Sqlite;

/// <summary>
/// Marks runtimes alive beside a SQLite system database: each live runtime holds an exclusive lock on
/// <c>{database}-executors/instance-{id}.lock</c> (and on its executor id's file) for as long as it runs. The lock is the
/// operating system's (flock on Linux and macOS, share modes on Windows), so it is released when the process dies,
/// even by SIGKILL: a file that can be locked belongs to a runtime that is gone.
/// </summary>
internal sealed class SqliteLiveness : IDisposable
{
    private static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(1);

    private readonly string _directory;
    private readonly ILogger _logger;
    private FileStream? _instance;
    private FileStream? _executor;
    private string? _instancePath;

    public SqliteLiveness(string databasePath, ILogger logger)
    {
        _directory = databasePath + "-executors";
        _logger = logger;
    }

    /// <summary>Takes the instance's lock; returns false when another live runtime holds the executor id's lock.</summary>
    public bool MarkAlive(LiveInstance instance)
    {
        Directory.CreateDirectory(_directory);
        RemoveStaleFiles();
        _instancePath = InstancePath(instance.InstanceId);
        _instance = new FileStream(_instancePath, FileMode.Create, FileAccess.ReadWrite, FileShare.None);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(instance.ExecutorId)).AsSpan(0, 8));
        _executor = TryLock(Path.Combine(_directory, $"executor-{hash}.lock"), FileMode.OpenOrCreate);
        return _executor is not null;
    }

    /// <summary>True when no live runtime holds the instance's lock (the file is missing or can be locked; it is then removed).</summary>
    public bool IsGone(string instanceId)
    {
        var path = InstancePath(instanceId);
        using var stream = TryLock(path, FileMode.Open);
        if (stream is null)
        {
            return !File.Exists(path);
        }

        TryDelete(path);
        return true;
    }

    private string InstancePath(string instanceId) => Path.Combine(_directory, $"instance-{instanceId}.lock");

    private static FileStream? TryLock(string path, FileMode mode)
    {
        try
        {
            return new FileStream(path, mode, FileAccess.ReadWrite, FileShare.None);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
        catch (IOException)
        {
            return null; // locked by a live runtime
        }
    }

    // Files of runtimes that died without their workflows being claimed. Only old ones: a runtime creates and locks its
    // file in one call, but a file seen between the two must not be taken for a dead runtime's.
    private void RemoveStaleFiles()
    {
        foreach (var path in Directory.EnumerateFiles(_directory, "instance-*.lock"))
        {
            if (DateTime.UtcNow - File.GetLastWriteTimeUtc(path) < StaleAfter)
            {
                continue;
            }

            using var stream = TryLock(path, FileMode.Open);
            if (stream is not null)
            {
                TryDelete(path);
            }
        }
    }

    private void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException e)
        {
            _logger.LogDebug(e, "Could not remove the liveness file {Path}.", path);
        }
        catch (UnauthorizedAccessException e)
        {
            _logger.LogDebug(e, "Could not remove the liveness file {Path}.", path);
        }
    }

    public void Dispose()
    {
        _executor?.Dispose();
        _instance?.Dispose();
        if (_instancePath is not null)
        {
            TryDelete(_instancePath);
        }
    }
}
