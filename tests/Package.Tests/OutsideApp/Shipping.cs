using System;
using System.Diagnostics;
using System.Threading.Tasks;
using Dbos;

namespace OutsideApp;

public partial class Shipping
{
    public static bool CrashAfterPacking { get; set; }

    [Workflow]
    public async Task<string> Ship(int order)
    {
        var box = await PackBox(order);
        if (CrashAfterPacking)
        {
            Console.WriteLine("killing the process after step PackBox");
            Process.GetCurrentProcess().Kill();
        }

        var label = await PrintLabel(order);
        return box + "+" + label;
    }

    [Step]
    private Task<string> PackBox(int order)
    {
        Console.WriteLine("step PackBox ran");
        return Task.FromResult("box-" + order);
    }

    [Step]
    private Task<string> PrintLabel(int order)
    {
        Console.WriteLine("step PrintLabel ran");
        return Task.FromResult("label-" + order);
    }
}
