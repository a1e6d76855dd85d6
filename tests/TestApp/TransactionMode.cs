using System;
using System.Data.Common;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Dbos;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace Dbos.TestApp;

/// <summary>
/// transaction DB APP_DB WORKFLOW_ID KILL_AT: runs (or recovers and finishes) a workflow whose [Transaction] inserts a note
/// into APP_DB (PostgreSQL URL or SQLite file), then runs a step. KILL_AT: "after-commit" SIGKILLs the process as soon as
/// the transaction's database commit returns (before the runtime records it in the system database), "after-transaction"
/// right after the transaction returns to the workflow, "none" runs to the end.
/// </summary>
internal static class TransactionMode
{
    public static string KillAt { get; private set; } = "none";

    public static async Task<int> RunAsync(DbosOptions options, string[] args)
    {
        var appDatabase = args[2];
        KillAt = args[4];
        await using (var setup = new NotesDb(NotesDb.OptionsFor(appDatabase, killAfterCommit: false)))
        {
            await setup.Database.EnsureCreatedAsync();
        }

        options.UseApplicationDatabase(() => new NotesDb(NotesDb.OptionsFor(appDatabase, killAfterCommit: KillAt == "after-commit")));
        await using var runtime = await DbosRuntime.LaunchAsync(options);
        string result;
        using (new SetWorkflowID(args[3]))
        {
            result = await NoteWorkflows.AddNoteThenFinish("hello");
        }

        Console.WriteLine("RESULT " + result);
        return 0;
    }

    public static void Die()
    {
        Console.Out.Flush();
        Process.GetCurrentProcess().Kill();
        Thread.Sleep(Timeout.Infinite);
    }
}

public sealed class Note
{
    public int Id { get; set; }
    public string Text { get; set; } = "";
}

public sealed class NotesDb(DbContextOptions<NotesDb> options) : DbContext(options)
{
    public DbSet<Note> Notes => Set<Note>();

    public static DbContextOptions<NotesDb> OptionsFor(string database, bool killAfterCommit)
    {
        var builder = new DbContextOptionsBuilder<NotesDb>();
        if (database.StartsWith("postgres", StringComparison.Ordinal))
        {
            var url = new Uri(database);
            var user = Uri.UnescapeDataString(url.UserInfo.Split(':')[0]);
            builder.UseNpgsql(new NpgsqlConnectionStringBuilder
            {
                Host = url.Host,
                Port = url.Port,
                Username = user,
                Database = url.AbsolutePath.TrimStart('/'),
            }.ConnectionString);
        }
        else
        {
            builder.UseSqlite($"Data Source={database}");
        }

        if (killAfterCommit)
        {
            builder.AddInterceptors(new KillAfterCommit());
        }

        return builder.Options;
    }

    /// <summary>The application's own EF Core interceptor sees the runtime's commit; dying there is dying between the
    /// commit of the transaction (effects and output row) and its checkpoint in the system database.</summary>
    private sealed class KillAfterCommit : DbTransactionInterceptor
    {
        public override void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => TransactionMode.Die();

        public override Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            TransactionMode.Die();
            return Task.CompletedTask;
        }
    }
}

public static partial class NoteWorkflows
{
    [Workflow]
    public static async Task<string> AddNoteThenFinish(string text)
    {
        var count = await AddNote(text);
        if (TransactionMode.KillAt == "after-transaction")
        {
            TransactionMode.Die();
        }

        return count + ":" + await Finish(text);
    }

    /// <summary>Inserts a note and returns how many there are: 1 when it ran exactly once.</summary>
    [Transaction]
    public static async Task<int> AddNote(string text)
    {
        var db = DBOS.SqlSession<NotesDb>();
        db.Notes.Add(new Note { Text = text });
        await db.SaveChangesAsync();
        return await db.Notes.CountAsync();
    }

    [Step]
    public static Task<string> Finish(string text) => Task.FromResult("done " + text);
}
