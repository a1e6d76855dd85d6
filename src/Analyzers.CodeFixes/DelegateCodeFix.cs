using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Dbos.Analyzers.CodeFixes;

/// <summary>DBOS010: turns a method group into a lambda that calls the method (<c>Foo</c> → <c>x => Foo(x)</c>), a
/// direct call that the generator intercepts.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(DelegateCodeFix)), Shared]
public sealed class DelegateCodeFix : CodeFixProvider
{
    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(Rules.DurableMethodAsDelegate.Id);

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not ExpressionSyntax group
                || model.GetSymbolInfo(group, context.CancellationToken).Symbol is not IMethodSymbol method
                || method.Parameters.Any(p => p.RefKind != RefKind.None))
            {
                continue;
            }

            var lambda = Lambda(group, method, model);
            context.RegisterCodeFix(
                CodeAction.Create("Call '" + method.Name + "' in a lambda", c => ReplaceAsync(context.Document, group, lambda, c), equivalenceKey: nameof(DelegateCodeFix)),
                diagnostic);
        }
    }

    private static ExpressionSyntax Lambda(ExpressionSyntax group, IMethodSymbol method, SemanticModel model)
    {
        // Parameter names must not clash with locals in scope.
        var taken = new HashSet<string>(model.LookupSymbols(group.SpanStart).Select(s => s.Name));
        var names = new List<string>();
        foreach (var parameter in method.Parameters)
        {
            var name = parameter.Name;
            for (var i = 2; taken.Contains(name) || names.Contains(name); i++)
            {
                name = parameter.Name + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            names.Add(name);
        }

        var call = SyntaxFactory.InvocationExpression(
            group.WithoutTrivia(),
            SyntaxFactory.ArgumentList(SyntaxFactory.SeparatedList(names.Select(n => SyntaxFactory.Argument(SyntaxFactory.IdentifierName(n))))));
        ExpressionSyntax lambda = names.Count == 1
            ? SyntaxFactory.SimpleLambdaExpression(SyntaxFactory.Parameter(SyntaxFactory.Identifier(names[0])), call)
            : SyntaxFactory.ParenthesizedLambdaExpression(
                SyntaxFactory.ParameterList(SyntaxFactory.SeparatedList(names.Select(n => SyntaxFactory.Parameter(SyntaxFactory.Identifier(n))))),
                call);
        return lambda.NormalizeWhitespace().WithTriviaFrom(group);
    }

    private static async Task<Document> ReplaceAsync(Document document, SyntaxNode node, ExpressionSyntax replacement, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        return root is null ? document : document.WithSyntaxRoot(root.ReplaceNode(node, replacement));
    }
}
