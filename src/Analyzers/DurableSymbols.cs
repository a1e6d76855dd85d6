using System.Collections.Concurrent;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Dbos.Analyzers;

/// <summary>What kind of durable method a method is.</summary>
internal enum DurableKind
{
    None,
    Workflow,
    Step,
    Transaction,
}

/// <summary>The Dbos types of one compilation, found by metadata name so the analyzers work with any runtime version.</summary>
internal sealed class DurableSymbols
{
    public const string WorkflowAttributeName = "Dbos.WorkflowAttribute";
    public const string StepAttributeName = "Dbos.StepAttribute";
    public const string TransactionAttributeName = "Dbos.TransactionAttribute";
    public const string DbosTypeName = "Dbos.DBOS";

    private readonly ConcurrentDictionary<IMethodSymbol, DurableKind> _kinds = new(SymbolEqualityComparer.Default);

    private DurableSymbols(Compilation compilation, INamedTypeSymbol workflowAttribute)
    {
        Compilation = compilation;
        WorkflowAttribute = workflowAttribute;
        StepAttribute = compilation.GetTypeByMetadataName(StepAttributeName);
        TransactionAttribute = compilation.GetTypeByMetadataName(TransactionAttributeName);
        Dbos = compilation.GetTypeByMetadataName(DbosTypeName);
        WorkflowHandle = compilation.GetTypeByMetadataName("Dbos.WorkflowHandle");
        WorkflowHandleOfT = compilation.GetTypeByMetadataName("Dbos.WorkflowHandle`1");
        Task = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task");
        TaskOfT = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task`1");
        ValueTask = compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask");
        ValueTaskOfT = compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask`1");
    }

    public Compilation Compilation { get; }

    public INamedTypeSymbol WorkflowAttribute { get; }

    public INamedTypeSymbol? StepAttribute { get; }

    public INamedTypeSymbol? TransactionAttribute { get; }

    /// <summary>The static façade <c>Dbos.DBOS</c>.</summary>
    public INamedTypeSymbol? Dbos { get; }

    public INamedTypeSymbol? WorkflowHandle { get; }

    public INamedTypeSymbol? WorkflowHandleOfT { get; }

    public INamedTypeSymbol? Task { get; }

    public INamedTypeSymbol? TaskOfT { get; }

    public INamedTypeSymbol? ValueTask { get; }

    public INamedTypeSymbol? ValueTaskOfT { get; }

    /// <summary>The symbols, or null when the compilation does not reference the Dbos runtime (then there is nothing to check).</summary>
    public static DurableSymbols? Create(Compilation compilation)
        => compilation.GetTypeByMetadataName(WorkflowAttributeName) is { } workflowAttribute
            ? new DurableSymbols(compilation, workflowAttribute)
            : null;

    public DurableKind KindOf(IMethodSymbol method)
    {
        method = Normalize(method);
        if (method.MethodKind is not (MethodKind.Ordinary or MethodKind.ReducedExtension))
        {
            return DurableKind.None;
        }

        return _kinds.GetOrAdd(method, ComputeKind);
    }

    public bool IsDurable(IMethodSymbol method) => KindOf(method) != DurableKind.None;

    /// <summary>A member of the <c>DBOS</c> façade, by name (new members work as soon as the runtime has them).</summary>
    public bool IsDbosMember(ISymbol? symbol)
        => symbol is not null && Dbos is not null && SymbolEqualityComparer.Default.Equals(symbol.ContainingType?.OriginalDefinition, Dbos);

    /// <summary>A call that is a durable operation of the calling workflow: a durable method or a DBOS façade method.</summary>
    public bool IsDurableCall(IMethodSymbol method) => IsDurable(method) || (IsDbosMember(method) && method.MethodKind == MethodKind.Ordinary);

    public bool IsWorkflowHandle(ITypeSymbol? type)
    {
        for (var current = type as INamedTypeSymbol; current is not null; current = current.BaseType)
        {
            var definition = current.OriginalDefinition;
            if (SymbolEqualityComparer.Default.Equals(definition, WorkflowHandle) || SymbolEqualityComparer.Default.Equals(definition, WorkflowHandleOfT))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Task, Task&lt;T&gt;, ValueTask or ValueTask&lt;T&gt;.</summary>
    public bool IsTaskLike(ITypeSymbol? type)
    {
        var definition = type?.OriginalDefinition;
        return definition is not null
            && (SymbolEqualityComparer.Default.Equals(definition, Task)
                || SymbolEqualityComparer.Default.Equals(definition, TaskOfT)
                || SymbolEqualityComparer.Default.Equals(definition, ValueTask)
                || SymbolEqualityComparer.Default.Equals(definition, ValueTaskOfT));
    }

    /// <summary>The declaration of a method, as the one symbol all its uses bind to.</summary>
    public static IMethodSymbol Normalize(IMethodSymbol method)
    {
        method = method.ReducedFrom ?? method;
        method = method.PartialImplementationPart ?? method;
        return method.OriginalDefinition;
    }

    /// <summary>The type declarations of a type that are written in source and not generated.</summary>
    public static ImmutableArray<TypeDeclarationSyntax> SourceDeclarations(INamedTypeSymbol type, System.Threading.CancellationToken cancellationToken)
    {
        var builder = ImmutableArray.CreateBuilder<TypeDeclarationSyntax>();
        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is TypeDeclarationSyntax declaration && !IsGeneratedFile(declaration.SyntaxTree))
            {
                builder.Add(declaration);
            }
        }

        return builder.ToImmutable();
    }

    public static bool IsGeneratedFile(SyntaxTree tree)
    {
        var path = tree.FilePath;
        return path.EndsWith(".g.cs", System.StringComparison.OrdinalIgnoreCase)
            || path.EndsWith(".generated.cs", System.StringComparison.OrdinalIgnoreCase);
    }

    private DurableKind ComputeKind(IMethodSymbol method)
    {
        foreach (var attribute in method.GetAttributes())
        {
            var type = attribute.AttributeClass;
            if (SymbolEqualityComparer.Default.Equals(type, WorkflowAttribute))
            {
                return DurableKind.Workflow;
            }
        }

        foreach (var attribute in method.GetAttributes())
        {
            var type = attribute.AttributeClass;
            if (type is null)
            {
                continue;
            }

            if (SymbolEqualityComparer.Default.Equals(type, StepAttribute))
            {
                return DurableKind.Step;
            }

            if (SymbolEqualityComparer.Default.Equals(type, TransactionAttribute))
            {
                return DurableKind.Transaction;
            }
        }

        return DurableKind.None;
    }
}
