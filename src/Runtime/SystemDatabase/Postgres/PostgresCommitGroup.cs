using System;
using System.Collections.Generic;
using System.Threading.Channels;
using System.Threading.Tasks;
using Npgsql;

namespace Dbos.SystemDatabase.Postgres;

/// <summary>
/// Group commit for the hot writes (workflow start, step checkpoint, workflow outcome): statements queued by concurrent
/// workflows while a batch is in flight go together in the next batch, one round trip and one commit for all of them.
/// Each caller still waits until its own statement is committed, so no operation proceeds before its record is durable.
/// A batch is one implicit transaction; if any statement fails, the batch is rolled back and its statements are run one
/// by one, so one bad statement fails only its own caller. With no concurrency a batch holds one statement: no delay.
/// </summary>
internal sealed class PostgresCommitGroup : IAsyncDisposable
{
    private const int MaxBatch = 256;

    private readonly NpgsqlDataSource _dataSource;
    private readonly Channel<Item> _queue = Channel.CreateUnbounded<Item>(new UnboundedChannelOptions { SingleWriter = false });
    private readonly Task[] _writers;

    public PostgresCommitGroup(NpgsqlDataSource dataSource, int writers)
    {
        _dataSource = dataSource;
        _writers = new Task[Math.Max(1, writers)];
        for (var i = 0; i < _writers.Length; i++)
        {
            _writers[i] = Task.Run(WriteAsync);
        }
    }

    /// <summary>Runs <paramref name="sql"/> in the next batch; <paramref name="read"/> reads its result set.</summary>
    public Task<T> RunAsync<T>(string sql, NpgsqlParameter[] parameters, Func<NpgsqlDataReader, Task<T>> read)
    {
        var item = new Item<T>(sql, parameters, read);
        if (!_queue.Writer.TryWrite(item))
        {
            throw new ObjectDisposedException(nameof(PostgresCommitGroup), "The system database is closed.");
        }

        return item.Completion.Task;
    }

    private async Task WriteAsync()
    {
        var batch = new List<Item>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var item))
            {
                batch.Add(item);
            }

            if (batch.Count == 0)
            {
                continue;
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

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await Task.WhenAll(_writers).ConfigureAwait(false);
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
