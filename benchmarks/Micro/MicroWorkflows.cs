using System.Threading.Tasks;

namespace Dbos.Benchmarks;

public sealed record Order(int Id, string Item, decimal Amount, string[] Tags);

public static partial class MicroWorkflows
{
    /// <summary>A workflow of <paramref name="steps"/> trivial steps: its cost minus the 0-step one is the steps' cost.</summary>
    [Workflow]
    public static async Task<int> Steps(int steps)
    {
        var total = 0;
        for (var i = 0; i < steps; i++)
        {
            total += await Step(i);
        }

        return total;
    }

    [Step]
    public static Task<int> Step(int i) => Task.FromResult(i + 1);

    [Step]
    public static Task<Order> LoadOrder(int id) => Task.FromResult(new Order(id, "book", 9.99m, ["a", "b"]));
}
