// The same shape as CorrectWorkflows.cs with one mistake: the time is read in the workflow, not in a step.
using System;
using System.Threading.Tasks;
using Dbos;

namespace Corpus.Wrong;

public partial class Checkout
{
    [Workflow]
    public async Task<string> PlaceOrder(int orderId)
    {
        var at = Stamp();
        await Charge(orderId);
        return orderId + "@" + at;
    }

    [Step]
    private static Task Charge(int orderId) => Task.CompletedTask;

    private static string Stamp() => DateTimeOffset.UtcNow.ToString("O");
}
