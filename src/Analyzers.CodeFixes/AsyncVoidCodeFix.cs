using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Simplification;

namespace Dbos.Analyzers.CodeFixes;

/// <summary>DBOS014: an <c>async void</c> durable method returns <c>Task</c> instead (callers that ignored it still compile;
/// the compiler then asks them to await it).</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AsyncVoidCodeFix)), Shared]
public sealed class AsyncVoidCodeFix : CodeFixProvider
{
    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(Rules.AsyncVoidDurableMethod.Id);

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (var diagnostic in context.Diagnostics)
        {
            if (root?.FindNode(diagnostic.Location.SourceSpan) is PredefinedTypeSyntax { Parent: MethodDeclarationSyntax method } returnType
                && returnType.Keyword.IsKind(SyntaxKind.VoidKeyword))
            {
                context.RegisterCodeFix(
                    CodeAction.Create(
                        "Return 'Task' from '" + method.Identifier.Text + "'",
                        c => ReturnTaskAsync(context.Document, returnType, c),
                        equivalenceKey: nameof(AsyncVoidCodeFix)),
                    diagnostic);
            }
        }
    }

    private static async Task<Document> ReturnTaskAsync(Document document, PredefinedTypeSyntax returnType, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return document;
        }

        var task = SyntaxFactory.ParseTypeName("global::System.Threading.Tasks.Task")
            .WithTriviaFrom(returnType)
            .WithAdditionalAnnotations(Simplifier.Annotation, Simplifier.AddImportsAnnotation);
        return document.WithSyntaxRoot(root.ReplaceNode(returnType, task));
    }
}
