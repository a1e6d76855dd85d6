using System;
using System.Collections.Generic;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;

namespace Dbos.SystemDatabase.Postgres;

/// <summary>
/// Group commit for the hot writes (workflow start, step checkpoint, workflow outcome): statements queued by concurrent
/// workflows while a batch is in flight go together in the next batch, one round trip and one commit for all of them.
/// Each caller still waits until its own statement is committed, so no operation proceeds before its record is durable.
/// A batch is one implicit transaction; if any statement fails, the batch is rolled back and its statements are run one
/// by one, so one bad statement fails only its own caller. With no concurrency a batch holds one statement: no delay.
/// There is no writer thread: a caller that finds fewer than <see cref="MaxWriters"/> batches in flight writes the queue
/// itself (its own statement included), so an uncontended write costs no thread hop.
/// </summary>
internal sealed class PostgresCommitGroup : IAsyncDisposable
{
    private const int MaxBatch = 256;
    private const int MaxWriters = 2;

    private readonly NpgsqlDataSource _dataSource;
    private readonly ConcurrentQueue<Item> _queue = new();
    private int _writers;
    private bool _disposed;

    public PostgresCommitGroup(NpgsqlDataSource dataSource)
    {
        _dataSource = dataSource;
    }

    /// <summary>Runs <paramref name="sql"/> in the next batch; <paramref name="read"/> reads its result set.</summary>
    public async Task<T> RunAsync<T>(string sql, NpgsqlParameter[] parameters, Func<NpgsqlDataReader, Task<T>> read)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed), this);
        var item = new Item<T>(sql, parameters, read);
        _queue.Enqueue(item);

        // Write if fewer than MaxWriters batches are in flight; else a writer takes this statement in its next batch.
        // Each writer looks at the queue again after it stops writing, so a statement queued while it was stopping is
        // never left behind.
        while (TryBecomeWriter())
        {
            try
            {
                await DrainAsync().ConfigureAwait(false);
            }
            finally
            {
                Interlocked.Decrement(ref _writers);
            }

            if (_queue.IsEmpty)
            {
                break;
            }
        }

        return await item.Completion.Task.ConfigureAwait(false);
    }

    private bool TryBecomeWriter()
    {
        while (true)
        {
            var writers = Volatile.Read(ref _writers);
            if (writers >= MaxWriters)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _writers, writers + 1, writers) == writers)
            {
                return true;
            }
        }
    }

    private async Task DrainAsync()
    {
        var batch = new List<Item>(MaxBatch);
        while (true)
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _queue.TryDequeue(out var item))
            {
                batch.Add(item);
            }

            if (batch.Count == 0)
            {
                return;
            }

            try
            {
                await ExecuteAsync(batch).ConfigureAwait(false);
            }
            catch (Exception e) when (batch.Count > 1 && e is not ObjectDisposedException)
            {
                // Rolled back as a whole: find out which statement failed by running each alone.
                foreach (var item in batch)
                {
                    try
                    {
                        await ExecuteAsync(new List<Item>(1) { item }).ConfigureAwait(false);
                    }
                    catch (Exception single)
                    {
                        item.Fail(single);
                    }
                }
            }
            catch (Exception e)
            {
                foreach (var item in batch)
                {
                    item.Fail(e);
                }
            }
        }
    }

    private async Task ExecuteAsync(List<Item> items)
    {
        await using var connection = await _dataSource.OpenConnectionAsync().ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection);
        foreach (var item in items)
        {
            var command = new NpgsqlBatchCommand(item.Sql);
            foreach (var parameter in item.Parameters)
            {
                command.Parameters.Add(parameter.Clone()); // a parameter belongs to one collection; a retry needs fresh ones
            }

            batch.BatchCommands.Add(command);
        }

        var results = new Action[items.Count];
        await using (var reader = await batch.ExecuteReaderAsync().ConfigureAwait(false))
        {
            for (var i = 0; i < items.Count; i++)
            {
                if (i > 0)
                {
                    await reader.NextResultAsync().ConfigureAwait(false);
                }

                results[i] = await items[i].ReadAsync(reader).ConfigureAwait(false);
            }
        }

        // Completed only after the reader is done, i.e. after the implicit transaction committed.
        foreach (var complete in results)
        {
            complete();
        }
    }

    public ValueTask DisposeAsync()
    {
        Volatile.Write(ref _disposed, true);
        while (_queue.TryDequeue(out var item))
        {
            item.Fail(new ObjectDisposedException(nameof(PostgresCommitGroup), "The system database is closed."));
        }

        return ValueTask.CompletedTask;
    }

    private abstract class Item(string sql, NpgsqlParameter[] parameters)
    {
        public string Sql { get; } = sql;

        public NpgsqlParameter[] Parameters { get; } = parameters;

        /// <summary>Reads this statement's result set; returns what completes the caller once the batch committed.</summary>
        public abstract Task<Action> ReadAsync(NpgsqlDataReader reader);

        public abstract void Fail(Exception error);
    }

    private sealed class Item<T>(string sql, NpgsqlParameter[] parameters, Func<NpgsqlDataReader, Task<T>> read) : Item(sql, parameters)
    {
        public TaskCompletionSource<T> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async Task<Action> ReadAsync(NpgsqlDataReader reader)
        {
            var value = await read(reader).ConfigureAwait(false);
            return () => Completion.TrySetResult(value);
        }

        public override void Fail(Exception error) => Completion.TrySetException(error);
    }
}
