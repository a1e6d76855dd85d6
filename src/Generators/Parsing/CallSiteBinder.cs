using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Dbos.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace Dbos.Generators.Parsing;

/// <summary>Finds the calls of durable methods: a syntax-only pass, a filter by name, then binding of the few that remain.</summary>
internal static class CallSiteBinder
{
    /// <summary>Syntax-only: an invocation of a plain or member-access name (never <c>base.X()</c>).</summary>
    public static bool IsCandidate(SyntaxNode node, CancellationToken cancellationToken)
        => node is InvocationExpressionSyntax invocation && GetCalleeName(invocation.Expression) is not null;

    public static InvocationCandidate ToCandidate(GeneratorSyntaxContext context, CancellationToken cancellationToken)
    {
        var invocation = (InvocationExpressionSyntax)context.Node;
        return new InvocationCandidate(invocation.SyntaxTree.FilePath, invocation.Span.Start, invocation.Span.Length, GetCalleeName(invocation.Expression)!);
    }

    private static string? GetCalleeName(ExpressionSyntax expression) => expression switch
    {
        IdentifierNameSyntax name => name.Identifier.ValueText,
        // base.X() must not be intercepted: the interceptor's virtual call would re-enter the override forever.
        MemberAccessExpressionSyntax { Expression: BaseExpressionSyntax } => null,
        MemberAccessExpressionSyntax { Name: IdentifierNameSyntax name } => name.Identifier.ValueText,
        MemberBindingExpressionSyntax { Name: IdentifierNameSyntax name } => name.Identifier.ValueText,
        _ => null,
    };

    /// <summary>Keeps the candidates named like an interceptable durable method.</summary>
    public static EquatableArray<InvocationCandidate> Filter(ImmutableArray<InvocationCandidate> candidates, EquatableArray<string> names)
    {
        if (names.Count == 0 || candidates.IsDefaultOrEmpty)
        {
            return EquatableArray<InvocationCandidate>.Empty;
        }

        var nameSet = new HashSet<string>(names);
        return candidates
            .Where(c => nameSet.Contains(c.Name))
            .OrderBy(c => c.FilePath, System.StringComparer.Ordinal)
            .ThenBy(c => c.Start)
            .ToEquatableArray();
    }

    /// <summary>Binds the remaining candidates; keeps the calls of durable methods declared in this compilation.</summary>
    public static EquatableArray<CallSiteModel> Bind(
        EquatableArray<InvocationCandidate> candidates,
        EquatableArray<string> methodIds,
        Compilation compilation,
        CancellationToken cancellationToken)
    {
        if (candidates.Count == 0)
        {
            return EquatableArray<CallSiteModel>.Empty;
        }

        var ids = new HashSet<string>(methodIds);
        var treesByPath = compilation.SyntaxTrees.ToLookup(t => t.FilePath);
        var models = new Dictionary<SyntaxTree, SemanticModel>();
        var result = new List<CallSiteModel>();

        foreach (var candidate in candidates)
        {
            cancellationToken.ThrowIfCancellationRequested();
            foreach (var tree in treesByPath[candidate.FilePath])
            {
                var root = tree.GetRoot(cancellationToken);
                var span = new TextSpan(candidate.Start, candidate.Length);
                if (span.End > root.FullSpan.End
                    || root.FindNode(span, getInnermostNodeForTie: true) is not InvocationExpressionSyntax invocation
                    || invocation.Span != span)
                {
                    continue;
                }

                if (!models.TryGetValue(tree, out var semanticModel))
                {
                    semanticModel = compilation.GetSemanticModel(tree);
                    models.Add(tree, semanticModel);
                }

                if (semanticModel.GetSymbolInfo(invocation, cancellationToken).Symbol is not IMethodSymbol method)
                {
                    continue;
                }

                method = method.ReducedFrom ?? method;
                if (FindDurable(method, ids, compilation) is not { } durable
                    || IsInExpressionTree(semanticModel, invocation, cancellationToken))
                {
                    continue;
                }

                // A call bound to an override of a durable method: the interceptor's receiver must be the overriding class.
                var receiver = string.Empty;
                if (!SymbolEqualityComparer.Default.Equals(method, durable))
                {
                    var overriding = method.ContainingType;
                    if (overriding.IsGenericType
                        || !compilation.IsSymbolAccessibleWithin(overriding, compilation.Assembly)
                        || !SymbolEqualityComparer.Default.Equals(method.ReturnType, durable.ReturnType))
                    {
                        continue;
                    }

                    receiver = overriding.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
                }

                var location = semanticModel.GetInterceptableLocation(invocation, cancellationToken);
                if (location is null)
                {
                    continue;
                }

                var lineSpan = invocation.Expression is MemberAccessExpressionSyntax access
                    ? access.Name.GetLocation().GetLineSpan()
                    : invocation.Expression is MemberBindingExpressionSyntax binding
                        ? binding.Name.GetLocation().GetLineSpan()
                        : invocation.Expression.GetLocation().GetLineSpan();
                var display = System.IO.Path.GetFileName(candidate.FilePath) + "(" + (lineSpan.StartLinePosition.Line + 1) + "," + (lineSpan.StartLinePosition.Character + 1) + ")";
                result.Add(new CallSiteModel(durable.GetDocumentationCommentId()!, receiver, candidate.FilePath, candidate.Start, display, location.Version, location.Data));
            }
        }

        return result.ToEquatableArray();
    }

    /// <summary>The durable method called: the method itself, or the durable method it overrides.</summary>
    private static IMethodSymbol? FindDurable(IMethodSymbol method, HashSet<string> ids, Compilation compilation)
    {
        for (var current = method; current is not null; current = current.OverriddenMethod)
        {
            if (SymbolEqualityComparer.Default.Equals(current.ContainingAssembly, compilation.Assembly)
                && current.GetDocumentationCommentId() is { } id
                && ids.Contains(id))
            {
                return current;
            }
        }

        return null;
    }

    /// <summary>Expression trees are data, not calls: the compiler refuses to intercept inside them.</summary>
    private static bool IsInExpressionTree(SemanticModel semanticModel, InvocationExpressionSyntax invocation, CancellationToken cancellationToken)
    {
        for (SyntaxNode? node = invocation.Parent; node is not null and not MemberDeclarationSyntax; node = node.Parent)
        {
            if (node is LambdaExpressionSyntax lambda
                && semanticModel.GetTypeInfo(lambda, cancellationToken).ConvertedType is INamedTypeSymbol { Name: "Expression", ContainingNamespace: { } ns }
                && ns.ToDisplayString() == "System.Linq.Expressions")
            {
                return true;
            }
        }

        return false;
    }
}
