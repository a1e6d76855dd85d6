using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Dbos.Analyzers.Determinism;

/// <summary>The locals of one method body that hold tasks of durable calls (<c>var a = StepA();</c>,
/// <c>tasks.Add(StepB())</c>), so <c>Task.WhenAny(a, b)</c> is known to race durable calls.</summary>
internal sealed class DurableTaskLocals
{
    private readonly DurableSymbols _symbols;
    private readonly HashSet<ISymbol> _locals = new(SymbolEqualityComparer.Default);

    private DurableTaskLocals(DurableSymbols symbols) => _symbols = symbols;

    public static DurableTaskLocals Collect(DurableSymbols symbols, IEnumerable<IOperation> operations)
    {
        var result = new DurableTaskLocals(symbols);
        foreach (var operation in operations)
        {
            switch (operation)
            {
                case IVariableDeclaratorOperation { Initializer: { } initializer } declarator when result.ContainsDurableCall(initializer.Value):
                    result._locals.Add(declarator.Symbol);
                    break;
                case ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } assignment when result.ContainsDurableCall(assignment.Value):
                    result._locals.Add(target.Local);
                    break;
                case IInvocationOperation { Instance: ILocalReferenceOperation collection } invocation
                    when invocation.TargetMethod.Name is "Add" or "AddRange" or "Insert" && HasDurableArgument(result, invocation):
                    result._locals.Add(collection.Local);
                    break;
            }
        }

        return result;
    }

    /// <summary>Whether the expression calls a durable method or a DBOS operation (or refers to one as a method group).</summary>
    public bool ContainsDurableCall(IOperation operation)
    {
        foreach (var node in operation.DescendantsAndSelf())
        {
            switch (node)
            {
                case IInvocationOperation invocation when _symbols.IsDurableCall(invocation.TargetMethod):
                case IMethodReferenceOperation reference when _symbols.IsDurable(reference.Method):
                    return true;
            }
        }

        return false;
    }

    /// <summary>Whether the expression reads a local that holds durable tasks.</summary>
    public bool References(IOperation operation)
    {
        if (_locals.Count == 0)
        {
            return false;
        }

        foreach (var node in operation.DescendantsAndSelf())
        {
            if (node is ILocalReferenceOperation local && _locals.Contains(local.Local))
            {
                return true;
            }
        }

        return false;
    }

    private static bool HasDurableArgument(DurableTaskLocals locals, IInvocationOperation invocation)
    {
        foreach (var argument in invocation.Arguments)
        {
            if (locals.ContainsDurableCall(argument.Value))
            {
                return true;
            }
        }

        return false;
    }
}
