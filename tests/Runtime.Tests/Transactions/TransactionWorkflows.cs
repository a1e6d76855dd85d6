using System;
using System.Data.Common;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Dbos.Tests.Transactions;

public partial class TransactionWorkflows
{
    [Workflow]
    public static async Task<int> Order(int productId, int quantity) => await Reserve(productId, quantity);

    /// <summary>Takes stock; returns what is left. Throws (after saving, so there is something to roll back) when there is not enough.</summary>
    [Transaction]
    public static async Task<int> Reserve(int productId, int quantity)
    {
        Probe.Hit("reserve");
        var db = DBOS.SqlSession<ShopDb>();
        var product = await db.Products.SingleAsync(p => p.Id == productId);
        product.Stock -= quantity;
        if (product.Stock < 0)
        {
            await db.SaveChangesAsync();
            throw new InvalidOperationException($"only {product.Stock + quantity} left");
        }

        return product.Stock;
    }

    [Workflow]
    public static async Task<string> OrderCatchingFailure(int productId, int quantity)
    {
        try
        {
            return "left " + await Reserve(productId, quantity);
        }
        catch (InvalidOperationException e)
        {
            return "failed: " + e.Message;
        }
    }

    /// <summary>A transaction, then a step that blocks on a gate: a test shuts the runtime down there, as a crash would.</summary>
    [Workflow]
    public static async Task<string> ReserveThenWait(int productId, int quantity, string gate)
    {
        var left = await Reserve(productId, quantity);
        await BasicWorkflows.WaitGate(gate);
        return "left " + left;
    }

    /// <summary>Reads a counter, waits until the other caller has read it too (so the two conflict), then writes it.</summary>
    [Transaction]
    public static async Task<long> Increment(string name)
    {
        Probe.Hit("increment");
        var db = DBOS.SqlSession<ShopDb>();
        var counter = await db.Counters.SingleAsync(c => c.Name == name);
        var gate = Probe.Gate("both-read");
        if (Probe.Hit("read") >= 2)
        {
            Probe.Open("both-read");
        }

        await Task.WhenAny(gate.Task, Task.Delay(TimeSpan.FromSeconds(3)));
        counter.Value++;
        return counter.Value;
    }

    [Workflow]
    public static Task<long> IncrementWorkflow(string name) => Increment(name);

    /// <summary>Inserts a row of its own (disjoint from every other call's); counts its attempts.</summary>
    [Transaction]
    public static async Task<string> InsertCounter(string name)
    {
        Probe.Hit("insert-attempt");
        DBOS.SqlSession<ShopDb>().Counters.Add(new Counter { Name = name, Value = 1 });
        await Task.Yield();
        return name;
    }

    [Workflow]
    public static Task<string> InsertCounterWorkflow(string name) => InsertCounter(name);

    [Transaction]
    public static string Isolation() => Scalar("SELECT current_setting('transaction_isolation')");

    [Transaction(IsolationLevel = TransactionIsolationLevel.RepeatableRead)]
    public static string RepeatableRead() => Scalar("SELECT current_setting('transaction_isolation')");

    [Transaction(IsolationLevel = TransactionIsolationLevel.ReadCommitted)]
    public static string ReadCommitted() => Scalar("SELECT current_setting('transaction_isolation')");

    [Transaction(ReadOnly = true)]
    public static string ReadOnlyPostgres() => Scalar("SELECT current_setting('transaction_read_only')");

    [Transaction(ReadOnly = true)]
    public static string QueryOnlySqlite() => Scalar("PRAGMA query_only");

    [Transaction]
    public static string NotQueryOnlySqlite() => Scalar("PRAGMA query_only");

    [Transaction(ReadOnly = true)]
    public static async Task WriteInReadOnly(int productId)
    {
        var db = DBOS.SqlSession<ShopDb>();
        (await db.Products.SingleAsync(p => p.Id == productId)).Stock = 0;
        await db.SaveChangesAsync();
    }

    [Workflow]
    public static Task<string> IsolationLevels()
        => Task.FromResult(string.Join(",", Isolation(), RepeatableRead(), ReadCommitted(), ReadOnlyPostgres()));

#pragma warning disable DBOS008 // deliberately takes over the transaction: a test checks that the runtime refuses
    /// <summary>Changes stock, then tries to take over the transaction in one of several ways.</summary>
    [Transaction]
    public static async Task Hijack(int productId, string how)
    {
        var db = DBOS.SqlSession;
        (await db.Set<Product>().SingleAsync(p => p.Id == productId)).Stock = 0;
        await db.SaveChangesAsync();
        switch (how)
        {
            case "commit": await db.Database.CommitTransactionAsync(); break;
            case "commit-current": db.Database.CurrentTransaction!.Commit(); break;
            case "rollback": db.Database.RollbackTransaction(); break;
            case "begin": await db.Database.BeginTransactionAsync(); break;
            default: throw new ArgumentOutOfRangeException(nameof(how));
        }
    }

#pragma warning restore DBOS008

    [Workflow]
    public static Task HijackWorkflow(int productId, string how) => Hijack(productId, how);

    /// <summary>Calls another transaction twice: the calls join this one.</summary>
    [Transaction]
    public static async Task<int> ReserveTwice(int productId, bool fail)
    {
        await Reserve(productId, 1);
        var left = await Reserve(productId, 1);
        if (fail)
        {
            throw new InvalidOperationException("changed my mind");
        }

        return left;
    }

    [Workflow]
    public static Task<int> ReserveTwiceWorkflow(int productId, bool fail) => ReserveTwice(productId, fail);

    /// <summary>A transaction in a step is a plain (unrecorded) database transaction.</summary>
    [Step]
    public static Task<int> ReserveInStep(int productId) => Reserve(productId, 1);

    [Workflow]
    public static async Task<int> StepCallingTransaction(int productId) => await ReserveInStep(productId);

    private static string Scalar(string sql)
    {
        var session = DBOS.SqlSession;
        var connection = session.Database.GetDbConnection();
        using DbCommand command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = session.Database.CurrentTransaction!.GetDbTransaction();
        return Convert.ToString(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture)!;
    }
}
