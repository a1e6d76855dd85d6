using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace Dbos.Analyzers.Determinism;

/// <summary>A call from a method body to another method written in this compilation.</summary>
internal sealed record SourceCall(IMethodSymbol Callee, IOperation Operation);

/// <summary>What one method body does directly: the listed APIs it uses, the source methods it calls (followed) and the
/// [Workflow] methods it calls (not followed: each is a workflow of its own).</summary>
internal sealed record MethodFacts(ImmutableArray<ApiUse> Uses, ImmutableArray<SourceCall> Calls, ImmutableArray<SourceCall> WorkflowCalls)
{
    public static readonly MethodFacts Empty = new(ImmutableArray<ApiUse>.Empty, ImmutableArray<SourceCall>.Empty, ImmutableArray<SourceCall>.Empty);
}

/// <summary>A [Workflow] call reached through calls: the methods on the way (first the callee of the examined body) and the call.</summary>
internal sealed record ReachedWorkflowCall(ImmutableArray<IMethodSymbol> Path, SourceCall Call);

/// <summary>A listed API reached through calls: the methods on the way (first the callee of the workflow) and the use.</summary>
internal sealed record ReachedUse(ImmutableArray<IMethodSymbol> Path, ApiUse Use);

/// <summary>
/// The call graph of one compilation, built lazily: each method body is examined once, and what a callee reaches
/// is computed once per callee. Calls into other assemblies are not followed (their bodies are unknown, not wrong),
/// nor into [Step]/[Transaction] methods (which may do anything) or [Workflow] methods (checked on their own).
/// </summary>
internal sealed class CallGraph
{
    private static readonly DiagnosticDescriptor[] ReachableRules =
    {
        Rules.NonDeterministicValue, Rules.NonDurableDelay, Rules.IoOutsideStep, Rules.NonDeterministicScheduling,
    };

    private readonly DurableSymbols _symbols;
    private readonly Compilation _compilation;
    private readonly ConcurrentDictionary<IMethodSymbol, MethodFacts> _facts = new(SymbolEqualityComparer.Default);
    private readonly ConcurrentDictionary<IMethodSymbol, ImmutableArray<ReachedUse>> _reached = new(SymbolEqualityComparer.Default);
    private readonly ConcurrentDictionary<IMethodSymbol, ReachedWorkflowCall?> _reachedWorkflows = new(SymbolEqualityComparer.Default);

    private readonly bool _withApis;

    /// <param name="symbols">The compilation's Dbos symbols.</param>
    /// <param name="withApis">Whether to look for the listed APIs; without, only calls are collected (cheaper).</param>
    public CallGraph(DurableSymbols symbols, bool withApis = true)
    {
        _symbols = symbols;
        _compilation = symbols.Compilation;
        _withApis = withApis;
    }

    /// <summary>The direct facts of a body whose operations the caller already has (a workflow's own body).</summary>
    public MethodFacts Examine(IEnumerable<IOperation> bodies, CancellationToken cancellationToken)
    {
        var operations = bodies.SelectMany(b => b.DescendantsAndSelf()).ToList();
        var durableTasks = _withApis ? DurableTaskLocals.Collect(_symbols, operations) : null;
        var unpatched = _withApis ? PatchBranches.Collect(_symbols, operations) : null;
        var uses = ImmutableArray.CreateBuilder<ApiUse>();
        var calls = ImmutableArray.CreateBuilder<SourceCall>();
        var workflowCalls = ImmutableArray.CreateBuilder<SourceCall>();
        foreach (var operation in operations)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (unpatched is { Count: > 0 } && unpatched.Contains(operation))
            {
                continue; // the old code of a patch: frozen for the replays of older workflows (PatchBranches)
            }

            if (durableTasks is not null && ApiCatalog.Classify(operation, durableTasks) is { } use)
            {
                uses.Add(use);
                continue;
            }

            if (CalleeOf(operation) is { } callee)
            {
                if (IsFollowed(callee))
                {
                    calls.Add(new SourceCall(callee, operation));
                }
                else if (operation is IInvocationOperation && _symbols.KindOf(callee) == DurableKind.Workflow)
                {
                    workflowCalls.Add(new SourceCall(callee, operation));
                }
            }
        }

        return new MethodFacts(uses.ToImmutable(), calls.ToImmutable(), workflowCalls.ToImmutable());
    }

    /// <summary>The first [Workflow] call the callee makes, itself or through the methods it calls, or null.</summary>
    public ReachedWorkflowCall? ReachedWorkflow(IMethodSymbol callee, CancellationToken cancellationToken)
        => _reachedWorkflows.GetOrAdd(callee, c => SearchWorkflowCall(c, cancellationToken));

    private ReachedWorkflowCall? SearchWorkflowCall(IMethodSymbol start, CancellationToken cancellationToken)
    {
        var visited = new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default);
        var path = new List<IMethodSymbol>();

        ReachedWorkflowCall? Visit(IMethodSymbol method)
        {
            if (!visited.Add(method))
            {
                return null;
            }

            cancellationToken.ThrowIfCancellationRequested();
            path.Add(method);
            var facts = FactsOf(method, cancellationToken);
            if (facts.WorkflowCalls.Length > 0)
            {
                return new ReachedWorkflowCall(path.ToImmutableArray(), facts.WorkflowCalls[0]);
            }

            foreach (var call in facts.Calls)
            {
                if (Visit(call.Callee) is { } found)
                {
                    return found;
                }
            }

            path.RemoveAt(path.Count - 1);
            return null;
        }

        return Visit(start);
    }

    /// <summary>For each rule, the first listed API the callee reaches (itself or through the methods it calls).</summary>
    public ImmutableArray<ReachedUse> Reached(IMethodSymbol callee, CancellationToken cancellationToken)
        => _reached.GetOrAdd(callee, c => Search(c, cancellationToken));

    private ImmutableArray<ReachedUse> Search(IMethodSymbol start, CancellationToken cancellationToken)
    {
        var found = new Dictionary<DiagnosticDescriptor, ReachedUse>();
        var visited = new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default);
        var path = new List<IMethodSymbol>();

        void Visit(IMethodSymbol method)
        {
            if (found.Count == ReachableRules.Length || !visited.Add(method))
            {
                return;
            }

            cancellationToken.ThrowIfCancellationRequested();
            path.Add(method);
            var facts = FactsOf(method, cancellationToken);
            foreach (var use in facts.Uses)
            {
                if (!found.ContainsKey(use.Rule))
                {
                    found.Add(use.Rule, new ReachedUse(path.ToImmutableArray(), use));
                }
            }

            foreach (var call in facts.Calls)
            {
                Visit(call.Callee);
            }

            path.RemoveAt(path.Count - 1);
        }

        Visit(start);
        return ReachableRules.Where(found.ContainsKey).Select(r => found[r]).ToImmutableArray();
    }

    private MethodFacts FactsOf(IMethodSymbol method, CancellationToken cancellationToken)
        => _facts.GetOrAdd(method, m => ComputeFacts(m, cancellationToken));

    private MethodFacts ComputeFacts(IMethodSymbol method, CancellationToken cancellationToken)
    {
        var bodies = new List<IOperation>();
        foreach (var reference in method.DeclaringSyntaxReferences)
        {
            var node = reference.GetSyntax(cancellationToken);
            if (node is not (BaseMethodDeclarationSyntax or AccessorDeclarationSyntax or ArrowExpressionClauseSyntax) || IsGenerated(node.SyntaxTree, cancellationToken))
            {
                continue;
            }

            // The callee may live in another file; the analyzer driver caches semantic models per tree.
#pragma warning disable RS1030 // Do not invoke Compilation.GetSemanticModel() method within a diagnostic analyzer
            var model = _compilation.GetSemanticModel(node.SyntaxTree);
#pragma warning restore RS1030
            if (model.GetOperation(node, cancellationToken) is { } body)
            {
                bodies.Add(body);
            }
        }

        return bodies.Count == 0 ? MethodFacts.Empty : Examine(bodies, cancellationToken);
    }

    /// <summary>The source method an operation runs: a call, a property accessor, a constructor or a method group.</summary>
    private static IMethodSymbol? CalleeOf(IOperation operation)
    {
        switch (operation)
        {
            case IInvocationOperation invocation:
                return invocation.TargetMethod;
            case IObjectCreationOperation creation:
                return creation.Constructor;
            case IMethodReferenceOperation reference:
                return reference.Method;
            case IPropertyReferenceOperation property:
                return IsAssignmentTarget(property) ? property.Property.SetMethod : property.Property.GetMethod;
            default:
                return null;
        }
    }

    private static bool IsAssignmentTarget(IOperation operation)
        => operation.Parent is IAssignmentOperation assignment && assignment.Target == operation;

    /// <summary>Whether the call graph goes into this method: written here, with a body, and not durable.</summary>
    private bool IsFollowed(IMethodSymbol method)
    {
        // Local functions and lambdas are part of the body that declares them, which is examined whole.
        if (method.MethodKind is MethodKind.LocalFunction or MethodKind.AnonymousFunction
            || method.IsAbstract
            || method.IsExtern
            || method.DeclaringSyntaxReferences.IsEmpty
            || !SymbolEqualityComparer.Default.Equals(method.ContainingAssembly, _compilation.Assembly))
        {
            return false;
        }

        return !_symbols.IsDurable(method);
    }

    private static bool IsGenerated(SyntaxTree tree, CancellationToken cancellationToken)
    {
        if (DurableSymbols.IsGeneratedFile(tree))
        {
            return true;
        }

        var root = tree.GetRoot(cancellationToken);
        foreach (var trivia in root.GetLeadingTrivia())
        {
            if ((trivia.IsKind(SyntaxKind.SingleLineCommentTrivia) || trivia.IsKind(SyntaxKind.MultiLineCommentTrivia))
                && trivia.ToString().IndexOf("<auto-generated", System.StringComparison.OrdinalIgnoreCase) >= 0)
            {
                return true;
            }
        }

        return false;
    }
}
