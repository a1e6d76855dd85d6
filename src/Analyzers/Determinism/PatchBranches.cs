using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Dbos.Analyzers.Determinism;

/// <summary>
/// The unpatched branches of DBOS patches: the <c>else</c> of <c>if (await DBOS.PatchAsync("name"))</c> (the <c>then</c> of
/// <c>if (!await DBOS.PatchAsync(...))</c>, the false arm of a conditional expression). That code is the old version, kept only
/// so that workflows started before the patch replay as they ran; changing it (moving a clock read into a step) would break
/// those replays, so the determinism rules do not report it.
/// </summary>
internal static class PatchBranches
{
    /// <summary>The operations inside unpatched branches among <paramref name="operations"/>; empty when there is no patch.</summary>
    public static HashSet<IOperation> Collect(DurableSymbols symbols, IReadOnlyList<IOperation> operations)
    {
        var inside = new HashSet<IOperation>();
        foreach (var operation in operations)
        {
            if (operation is IConditionalOperation conditional && OldBranch(symbols, conditional) is { } old)
            {
                foreach (var descendant in old.DescendantsAndSelf())
                {
                    inside.Add(descendant);
                }
            }
        }

        return inside;
    }

    /// <summary>Whether the invocation is <c>DBOS.PatchAsync</c> or <c>DBOS.DeprecatePatchAsync</c>.</summary>
    public static bool IsPatchCall(DurableSymbols symbols, IInvocationOperation invocation)
        => invocation.TargetMethod.Name is "PatchAsync" or "DeprecatePatchAsync" && symbols.IsDbosMember(invocation.TargetMethod);

    private static IOperation? OldBranch(DurableSymbols symbols, IConditionalOperation conditional)
    {
        var negated = false;
        var condition = conditional.Condition;
        while (true)
        {
            switch (condition)
            {
                case IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } not:
                    negated = !negated;
                    condition = not.Operand;
                    continue;
                case IConversionOperation conversion:
                    condition = conversion.Operand;
                    continue;
                case IParenthesizedOperation parenthesized:
                    condition = parenthesized.Operand;
                    continue;
                case IAwaitOperation awaited:
                    condition = awaited.Operation;
                    continue;
            }

            break;
        }

        // Only PatchAsync has an old branch: DeprecatePatchAsync always returns true.
        if (condition is not IInvocationOperation { TargetMethod.Name: "PatchAsync" } invocation || !IsPatchCall(symbols, invocation))
        {
            return null;
        }

        return negated ? conditional.WhenTrue : conditional.WhenFalse;
    }
}
