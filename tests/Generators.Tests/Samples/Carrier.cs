using System.Threading;
using System.Threading.Tasks;
using Dbos;

namespace Shop.Shipping;

// Steps that take a CancellationToken: the interceptor passes one that also fires when the workflow is cancelled or times out.
public partial class Carrier
{
    [Workflow]
    public static async Task<string> BookAsync(int orderId)
    {
        var quote = await /*I*/QuoteAsync(orderId, CancellationToken.None);
        var slot = /*I*/Poll(default, orderId);
        await /*I*/ConfirmAsync(orderId);
        return quote + slot;
    }

    [Step]
    internal static async Task<string> QuoteAsync(int orderId, CancellationToken cancellationToken)
    {
        await Task.Delay(1, cancellationToken);
        return "quote-" + orderId;
    }

    [Step]
    internal static int Poll(CancellationToken token, int orderId) => token.CanBeCanceled ? orderId : -1;

    [Step]
    internal static ValueTask ConfirmAsync(int orderId, CancellationToken cancellationToken = default) => default;
}
