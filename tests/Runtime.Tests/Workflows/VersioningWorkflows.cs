using System.Threading.Tasks;

namespace Dbos.Tests;

/// <summary>One workflow in three versions of its code, chosen by Probe flags (as a deploy would change it): the old code
/// prices with OldPrice; the patched code checks DBOS.PatchAsync("new-pricing") and prices with NewPrice; the code after
/// DeprecatePatchAsync always prices with NewPrice.</summary>
public static partial class PricingWorkflows
{
    public const string Patch = "new-pricing";

    public static void UseOldCode(string key)
    {
        Probe.SetFlag(key + ":patched", false);
        Probe.SetFlag(key + ":deprecated", false);
    }

    public static void UsePatchedCode(string key)
    {
        Probe.SetFlag(key + ":patched", true);
        Probe.SetFlag(key + ":deprecated", false);
    }

    public static void UseDeprecatedPatch(string key)
    {
        Probe.SetFlag(key + ":patched", false);
        Probe.SetFlag(key + ":deprecated", true);
    }

    /// <summary>Waits at the gate <paramref name="key"/> after pricing, or before it with <paramref name="gateFirst"/>.</summary>
    [Workflow]
    public static async Task<string> Price(string key, bool gateFirst)
    {
        var order = await BasicWorkflows.Record(key, "order");
        if (gateFirst)
        {
            await BasicWorkflows.WaitGate(key);
        }

        string price;
        if (Probe.Flag(key + ":deprecated"))
        {
            price = await PriceAfterDeprecation(key);
        }
        else if (Probe.Flag(key + ":patched"))
        {
            price = await DBOS.PatchAsync(Patch) ? await NewPrice(key) : await OldPrice(key);
        }
        else
        {
            price = await OldPrice(key);
        }

        if (!gateFirst)
        {
            await BasicWorkflows.WaitGate(key);
        }

        return order + "," + price;
    }

    // A helper, so the workflow's body checks the patch once (DBOS019): one code version never holds both forms.
    private static async Task<string> PriceAfterDeprecation(string key)
    {
        await DBOS.DeprecatePatchAsync(Patch);
        return await NewPrice(key);
    }

    [Step]
    public static Task<string> OldPrice(string key)
    {
        Probe.Hit(key + ":old");
        return Task.FromResult("old");
    }

    [Step]
    public static Task<string> NewPrice(string key)
    {
        Probe.Hit(key + ":new");
        return Task.FromResult("new");
    }

    [Workflow]
    public static Task<bool> PatchInStep() => PatchFromStep();

    [Step]
#pragma warning disable DBOS009 // on purpose: the runtime refuses it too
    private static Task<bool> PatchFromStep() => DBOS.PatchAsync("in-a-step");
#pragma warning restore DBOS009
}
