using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Dbos.Analyzers;

/// <summary>
/// Who calls a method, for the rules that need to know whether a helper can run inside a workflow (DBOS009). Only
/// what is certain counts: a method is "outside workflows" when every call of it in this compilation is made from
/// code outside workflows (the entry point, a step, or another such method), and nothing else can reach it: it is
/// not used as a delegate, not virtual or an interface implementation, and, in a library, not visible to other
/// assemblies. Searched on demand (a syntax scan for the method's name, then binding), so it costs nothing until a
/// helper uses a workflow-only API.
/// </summary>
internal sealed class Callers
{
    private const int MaxDepth = 8;

    private readonly DurableSymbols _symbols;
    private readonly Compilation _compilation;
    private readonly Lazy<IMethodSymbol?> _entryPoint;
    private readonly ConcurrentDictionary<string, ImmutableArray<SimpleNameSyntax>> _namesByText = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(IMethodSymbol Method, bool StepsRunInWorkflows), string?> _answers = new(new AnswerKeyComparer());

    public Callers(DurableSymbols symbols, Lazy<IMethodSymbol?> entryPoint)
    {
        _symbols = symbols;
        _compilation = symbols.Compilation;
        _entryPoint = entryPoint;
    }

    /// <summary>If <paramref name="method"/> is certainly only called outside workflows, says so ("'Helper' is only called
    /// from 'Main', the program's entry point, which never runs inside a workflow"); otherwise null. With
    /// <paramref name="stepsRunInWorkflows"/>, a call from a [Step] or [Transaction] counts as inside a workflow.</summary>
    public string? OnlyOutsideWorkflows(IMethodSymbol method, bool stepsRunInWorkflows, CancellationToken cancellationToken)
        => _answers.GetOrAdd((DurableSymbols.Normalize(method), stepsRunInWorkflows), key =>
        {
            var outcome = Classify(key.Method, key.StepsRunInWorkflows, new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default), 0, cancellationToken);
            return outcome.Kind == OutcomeKind.Outside ? outcome.Description : null;
        });

    private enum OutcomeKind
    {
        /// <summary>May run in a workflow, or who calls it is not known.</summary>
        Unknown,

        /// <summary>Only reached from outside workflows; <see cref="Outcome.Description"/> says from where.</summary>
        Outside,

        /// <summary>Already being examined (a cycle): adds nothing either way.</summary>
        Neutral,
    }

    private readonly record struct Outcome(OutcomeKind Kind, string Description)
    {
        public static readonly Outcome Unknown = new(OutcomeKind.Unknown, string.Empty);
        public static readonly Outcome Neutral = new(OutcomeKind.Neutral, string.Empty);
    }

    /// <summary>Where code in <paramref name="method"/> runs, as a caller's description: "[Step] 'Listen'", "'Main', the
    /// program's entry point, which never runs inside a workflow", or "'Poll', which is only called from ...".</summary>
    private Outcome Classify(IMethodSymbol method, bool stepsRunInWorkflows, HashSet<IMethodSymbol> visiting, int depth, CancellationToken cancellationToken)
    {
        switch (_symbols.KindOf(method))
        {
            case DurableKind.Workflow:
                return Outcome.Unknown;
            case DurableKind.Step:
            case DurableKind.Transaction:
                return stepsRunInWorkflows ? Outcome.Unknown : new Outcome(OutcomeKind.Outside, "[" + _symbols.KindOf(method) + "] '" + method.Name + "'");
        }

        if (SymbolEqualityComparer.Default.Equals(method, _entryPoint.Value))
        {
            var where = method.IsImplicitlyDeclared || method.Name.StartsWith("<", StringComparison.Ordinal)
                ? "the top-level statements of the program"
                : "'" + method.Name + "', the program's entry point";
            return new Outcome(OutcomeKind.Outside, where + ", which never runs inside a workflow");
        }

        if (depth > MaxDepth || !HasOnlyKnownCallers(method))
        {
            return Outcome.Unknown;
        }

        if (!visiting.Add(method))
        {
            return Outcome.Neutral;
        }

        try
        {
            string? first = null;
            var inCycle = false;
            foreach (var reference in References(method, cancellationToken))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (reference is null)
                {
                    return Outcome.Unknown;
                }

                var outcome = Classify(reference, stepsRunInWorkflows, visiting, depth + 1, cancellationToken);
                switch (outcome.Kind)
                {
                    case OutcomeKind.Unknown:
                        return Outcome.Unknown;
                    case OutcomeKind.Outside:
                        first ??= outcome.Description;
                        break;
                    default:
                        inCycle = true;
                        break;
                }
            }

            // No caller at all: something else calls it (a framework, reflection), which may be a workflow.
            return first is not null ? new Outcome(OutcomeKind.Outside, Describe(method, depth) + first)
                : inCycle ? Outcome.Neutral
                : Outcome.Unknown;
        }
        finally
        {
            visiting.Remove(method);
        }
    }

    /// <summary>"'Helper' is only called from " for the method asked about, "'Poll', which is only called from " for one on the way.</summary>
    private static string Describe(IMethodSymbol method, int depth)
        => "'" + method.Name + "'" + (depth == 0 ? " is only called from " : ", which is only called from ");

    /// <summary>Whether every call of the method is a direct call written in this compilation.</summary>
    private bool HasOnlyKnownCallers(IMethodSymbol method)
    {
        if (method.MethodKind != MethodKind.Ordinary
            || method.IsVirtual || method.IsAbstract || method.IsOverride || method.IsExtern
            || method.DeclaringSyntaxReferences.IsEmpty
            || !method.ExplicitInterfaceImplementations.IsEmpty
            || !SymbolEqualityComparer.Default.Equals(method.ContainingAssembly, _compilation.Assembly))
        {
            return false;
        }

        if (_compilation.Options.OutputKind is OutputKind.DynamicallyLinkedLibrary or OutputKind.NetModule && IsVisibleOutside(method))
        {
            return false;
        }

        var type = method.ContainingType;
        foreach (var contract in type.AllInterfaces)
        {
            foreach (var member in contract.GetMembers(method.Name))
            {
                if (SymbolEqualityComparer.Default.Equals(type.FindImplementationForInterfaceMember(member), method))
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static bool IsVisibleOutside(ISymbol symbol)
    {
        for (var current = symbol; current is not null and not INamespaceSymbol; current = current.ContainingSymbol)
        {
            if (current.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Protected or Accessibility.ProtectedOrInternal))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The methods whose bodies call <paramref name="method"/>, one per call; null for a use that is not a known
    /// direct call (a method group, a call from a field initializer or from generated code).</summary>
    private IEnumerable<IMethodSymbol?> References(IMethodSymbol method, CancellationToken cancellationToken)
    {
        foreach (var name in NamesSpelled(method.Name, cancellationToken))
        {
#pragma warning disable RS1030 // Do not invoke Compilation.GetSemanticModel() method within a diagnostic analyzer
            var model = _compilation.GetSemanticModel(name.SyntaxTree);
#pragma warning restore RS1030
            var info = model.GetSymbolInfo(name, cancellationToken);
            if (info.Symbol is not IMethodSymbol bound)
            {
                // A failed overload resolution might mean this method; nameof() and other names do not.
                if (info.CandidateReason != CandidateReason.MemberGroup
                    && info.CandidateSymbols.OfType<IMethodSymbol>().Any(c => Same(c, method)))
                {
                    yield return null;
                }

                continue;
            }

            if (!Same(bound, method))
            {
                continue;
            }

            if (!IsInvoked(name) || DurableSymbols.IsGeneratedFile(name.SyntaxTree))
            {
                yield return null;
                continue;
            }

            ISymbol? caller = model.GetEnclosingSymbol(name.SpanStart, cancellationToken);
            while (caller is IMethodSymbol { MethodKind: MethodKind.AnonymousFunction or MethodKind.LocalFunction })
            {
                caller = caller.ContainingSymbol;
            }

            yield return caller is IMethodSymbol callingMethod ? DurableSymbols.Normalize(callingMethod) : null;
        }
    }

    private static bool Same(IMethodSymbol candidate, IMethodSymbol method)
        => SymbolEqualityComparer.Default.Equals(DurableSymbols.Normalize(candidate), method);

    /// <summary>Whether the name is what an invocation calls: <c>M()</c>, <c>x.M()</c>, <c>x?.M()</c>.</summary>
    private static bool IsInvoked(SimpleNameSyntax name)
    {
        SyntaxNode expression = name.Parent switch
        {
            MemberAccessExpressionSyntax access when access.Name == name => access,
            MemberBindingExpressionSyntax binding when binding.Name == name => binding,
            _ => name,
        };
        return expression.Parent is InvocationExpressionSyntax invocation && invocation.Expression == expression;
    }

    /// <summary>Every simple name in the compilation spelled <paramref name="text"/> (files that do not contain the text are not parsed further).</summary>
    private ImmutableArray<SimpleNameSyntax> NamesSpelled(string text, CancellationToken cancellationToken)
        => _namesByText.GetOrAdd(text, t =>
        {
            var names = ImmutableArray.CreateBuilder<SimpleNameSyntax>();
            foreach (var tree in _compilation.SyntaxTrees)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (tree.GetText(cancellationToken).ToString().IndexOf(t, StringComparison.Ordinal) < 0)
                {
                    continue;
                }

                foreach (var node in tree.GetRoot(cancellationToken).DescendantNodes())
                {
                    if (node is SimpleNameSyntax name && name.Identifier.ValueText == t)
                    {
                        names.Add(name);
                    }
                }
            }

            return names.ToImmutable();
        });

    private sealed class AnswerKeyComparer : IEqualityComparer<(IMethodSymbol Method, bool StepsRunInWorkflows)>
    {
        public bool Equals((IMethodSymbol Method, bool StepsRunInWorkflows) x, (IMethodSymbol Method, bool StepsRunInWorkflows) y)
            => x.StepsRunInWorkflows == y.StepsRunInWorkflows && SymbolEqualityComparer.Default.Equals(x.Method, y.Method);

        public int GetHashCode((IMethodSymbol Method, bool StepsRunInWorkflows) obj)
            => SymbolEqualityComparer.Default.GetHashCode(obj.Method) * 2 + (obj.StepsRunInWorkflows ? 1 : 0);
    }
}
