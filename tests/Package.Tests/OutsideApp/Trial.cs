using System;
using System.Threading.Tasks;
using Dbos;
using Dbos.Testing;

// A test without any test framework, against the Dbos.Testing package: a workflow that sleeps 30 days, run on the fake clock.
await using var env = await DbosTestEnvironment.StartAsync();
var result = await env.GetRequiredService<ITrialsClient>().RunAsync("ann");
Console.WriteLine($"result: {result}, skipped {env.Time.AutoSkipped.TotalDays:0} days");
return result == "ended" ? 0 : 1;

public partial class Trials
{
    [Workflow]
    public async Task<string> Run(string user)
    {
        await Greet(user);
        await DBOS.SleepAsync(TimeSpan.FromDays(30));
        return "ended";
    }

    [Step]
    private static Task Greet(string user) => Task.CompletedTask;
}
