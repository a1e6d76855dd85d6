using System;
using System.Threading.Tasks;

namespace Shop
{
    public partial class OrderWorkflows
    {
        public async Task<string> FromAnotherFileAsync(OrderWorkflows other)
        {
            Func<Task<string>> later = () => other./*I*/PlaceOrderAsync(new Order(1, "book", 2));
            var count = /*I*/Count(extra: new[] { 1 }) + /*I*/Count("a", 1, 2, 3) + this./*I*/Count();
            return await later() + count;
        }
    }

    public static class Caller
    {
        public static async Task<int> RunAsync(OrderWorkflows workflows, OrderWorkflows? maybe)
        {
            await workflows./*I*/PlaceOrderAsync(new Order(2, "pen", 1));
            await OrderWorkflows./*I*/RunReport(DateTime.UnixEpoch);
            workflows./*I*/Reset();
            await workflows./*I*/PingAsync();
            var total = await workflows./*I*/TotalAsync(1, 2);
            var counted = maybe?./*I*/Count() ?? 0;
            Func<ValueTask> notACall = workflows.PingAsync;
            await notACall();
            return total + counted + await new PriorityOrderWorkflows()./*I*/ExpediteAsync(7);
        }
    }
}
