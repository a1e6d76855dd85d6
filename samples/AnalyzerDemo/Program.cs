using System;
using System.Threading.Tasks;
using Dbos;

namespace Dbos.Samples.AnalyzerDemo;

public static class Program
{
    public static async Task Main()
    {
        // DBOS009: Recv acts on the calling workflow; the entry point never runs inside one.
        var message = await DBOS.RecvAsync<string>("topic");
        Console.WriteLine(message);

        Console.WriteLine(await WaitForReply());

        // DBOS007: DBOS.SqlSession only exists inside a [Transaction].
        Console.WriteLine(DBOS.SqlSession.GetType());
        Console.WriteLine(DBOS.SqlSession<Microsoft.EntityFrameworkCore.DbContext>().GetType());
    }

    // DBOS009: this helper is only called from Main, so Recv never has a workflow to act on.
    private static Task<string?> WaitForReply() => DBOS.RecvAsync<string>("reply");
}
