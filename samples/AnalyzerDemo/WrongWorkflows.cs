using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Dbos;

namespace Dbos.Samples.AnalyzerDemo;

// DBOS001: a class with durable methods must be partial.
public class NotPartial
{
    [Step]
    public static int Double(int x) => x * 2;
}

public partial class WrongWorkflows
{
    [Workflow]
    public async Task<string> PlaceOrder(int orderId, int[] items)
    {
        // DBOS002: a blocking call in an async workflow.
        var child = DBOS.StartWorkflow(() => Child(orderId));

        // DBOS003: the clock differs on replay (here through a helper: the message names the chain).
        var at = Stamp();

        // DBOS004: Task.Delay starts over after a crash; DBOS.SleepAsync does not.
        await Task.Delay(1000);

        // DBOS005: file I/O outside a step runs again on every replay.
        var config = File.ReadAllText("config.json");

        // DBOS006: the thread pool starts durable calls in any order.
        var price = await Task.Run(() => Price(orderId));

        // DBOS010: a step used as a method group is not intercepted, so not checkpointed.
        var prices = await Task.WhenAll(items.Select(Price));

        // DBOS013: the step does not run again on replay, so this write is lost.
        var total = 0;
        await Charge(orderId, () => total = prices.Sum());

        return $"{child.WorkflowId} {at} {config.Length} {price} {total}";
    }

    [Workflow]
    public Task<string> Child(int orderId) => Task.FromResult("child-" + orderId);

    [Step]
    public Task<int> Price(int item) => Task.FromResult(item * 10);

    [Step]
    public Task Charge(int orderId, Func<int> compute) => Task.FromResult(orderId + compute());

    [Step]
    public async Task<string?> WaitInStep()
    {
        // DBOS009: Recv consumes the workflow's message; a step cannot record it.
        return await DBOS.RecvAsync<string>("approval");
    }

    [Transaction]
    public async Task Reserve(int productId)
    {
        await DBOS.SqlSession.SaveChangesAsync();

        // DBOS008: DBOS commits the transaction together with its recorded output.
        await DBOS.SqlSession.Database.CommitTransactionAsync();
    }

    // DBOS011: generic workflows cannot be made durable.
    [Workflow]
    public Task<T> Generic<T>(T value) => Task.FromResult(value);

    // DBOS012: a delegate argument cannot be stored as portable JSON.
    [Workflow]
    public Task<int> TakesCallback(Func<int> callback) => Task.FromResult(callback());

    // DBOS014: an async void workflow returns at its first await, so it would be recorded as finished too early.
    [Workflow]
    public async void FireAndForget(int orderId) => await Charge(orderId, () => 0);

    [Step]
    public async Task<string> ChargeAndNotify(int orderId)
    {
        // DBOS015: a workflow started inside a step is not a child, and is started again whenever the step runs again.
        return await Child(orderId);
    }

    [Workflow]
    public async Task<int> Repriced(int orderId, string pricingVersion)
    {
        var price = await DBOS.PatchAsync("pricing-v2") ? await Price(orderId * 2) : await Price(orderId);

        // DBOS019: a second check of one patch can answer differently for a workflow that stopped between the two.
        if (await DBOS.PatchAsync("pricing-v2"))
        {
            price++;
        }

        // DBOS020: a computed patch name can differ on replay.
        if (await DBOS.PatchAsync("pricing-" + pricingVersion))
        {
            price--;
        }

        return price;
    }

    private static string Stamp() => DateTime.Now.ToString("O");
}
