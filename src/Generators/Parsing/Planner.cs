using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Dbos.Generators.Model;

namespace Dbos.Generators.Parsing;

/// <summary>Groups durable methods by class and chooses every generated name, deterministically.</summary>
internal static class Planner
{
    public static EquatableArray<DurableMethodModel> Merge(ImmutableArray<DurableMethodModel> workflows, ImmutableArray<DurableMethodModel> steps)
    {
        // A method is one durable operation: if it is marked twice, the workflow wins.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var merged = new List<DurableMethodModel>();
        foreach (var method in workflows.Concat(steps))
        {
            if (seen.Add(method.Id))
            {
                merged.Add(method);
            }
        }

        return merged.OrderBy(m => m.Id, StringComparer.Ordinal).ToEquatableArray();
    }

    public static EquatableArray<ClassPlan> Plan(EquatableArray<DurableMethodModel> methods)
    {
        var classes = methods
            .GroupBy(m => m.Class.FullyQualifiedName, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (Class: g.First().Class, Methods: g.OrderBy(m => m.Id, StringComparer.Ordinal).ToList()))
            .ToList();

        var clientNames = ChooseClientNames(classes.Select(c => (c.Class, HasClient: c.Methods.Any(IsClientWorkflow))).ToList());
        var interceptorNames = new HashSet<string>(StringComparer.Ordinal);
        var plans = new List<ClassPlan>();

        foreach (var (classModel, classMethods) in classes)
        {
            var identifiers = new HashSet<string>(StringComparer.Ordinal);
            var clientSignatures = new HashSet<string>(StringComparer.Ordinal);
            var methodPlans = new List<MethodPlan>();
            foreach (var method in classMethods)
            {
                // Overloads get a numeric suffix, in the order of their documentation IDs.
                // Unescaped: generated names always add a prefix or suffix, so a keyword needs no '@'.
                var identifier = method.MetadataName;
                for (var i = 2; !identifiers.Add(identifier); i++)
                {
                    identifier = method.MetadataName + "_" + i;
                }

                var interceptorName = classModel.MetadataName + "_" + identifier;
                for (var i = 2; !interceptorNames.Add(interceptorName); i++)
                {
                    interceptorName = classModel.MetadataName + "_" + identifier + "_" + i;
                }

                var clientName = string.Empty;
                if (IsClientWorkflow(method))
                {
                    // PlaceOrderAsync and PlaceOrder both become PlaceOrderAsync/StartPlaceOrderAsync; a clash keeps the full name.
                    var parameterTypes = string.Join(",", method.Parameters.Select(p => p.Type));
                    clientName = StripAsync(method.MetadataName);
                    if (!clientSignatures.Add(clientName + "(" + parameterTypes + ")"))
                    {
                        clientName = method.MetadataName;
                        if (!clientSignatures.Add(clientName + "(" + parameterTypes + ")"))
                        {
                            clientName = string.Empty;
                        }
                    }
                }

                methodPlans.Add(new MethodPlan(method, identifier, interceptorName, clientName));
            }

            clientNames.TryGetValue(classModel.FullyQualifiedName, out var client);
            var clientIsPublic = classModel.IsEffectivelyPublic && classMethods.Where(IsClientWorkflow).All(m => m.IsSignaturePublic);
            plans.Add(new ClassPlan(classModel, methodPlans.ToEquatableArray(), client ?? string.Empty, clientIsPublic));
        }

        return plans.ToEquatableArray();
    }

    private static bool IsClientWorkflow(DurableMethodModel method)
        => method.Kind == DurableKind.Workflow && method.IsInterceptable && !method.IsExtension;

    private static string StripAsync(string name)
        => name.Length > "Async".Length && name.EndsWith("Async", StringComparison.Ordinal) ? name.Substring(0, name.Length - "Async".Length) : name;

    /// <summary><c>{Class}Client</c>; nested classes whose names clash within a namespace are prefixed by their containing types.</summary>
    private static Dictionary<string, string> ChooseClientNames(List<(ClassModel Class, bool HasClient)> classes)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var withClients = classes.Where(c => c.HasClient).Select(c => c.Class).ToList();
        var taken = new HashSet<string>(StringComparer.Ordinal);

        foreach (var group in withClients.GroupBy(c => c.Namespace + "|" + c.MetadataName, StringComparer.Ordinal))
        {
            var clashes = group.Count() > 1;
            foreach (var classModel in group)
            {
                var baseName = clashes
                    ? string.Concat(classModel.ContainingTypes.Select(t => t.Name.TrimStart('@'))) + classModel.MetadataName
                    : classModel.MetadataName;
                var name = baseName + "Client";
                for (var i = 2; !taken.Add(classModel.Namespace + "|" + name); i++)
                {
                    name = baseName + i + "Client";
                }

                result[classModel.FullyQualifiedName] = name;
            }
        }

        return result;
    }

    /// <summary>The names the call-site filter looks for.</summary>
    public static EquatableArray<string> InterceptableNames(EquatableArray<DurableMethodModel> methods)
        => methods.Where(m => m.IsInterceptable).Select(m => m.MetadataName).Distinct(StringComparer.Ordinal).OrderBy(n => n, StringComparer.Ordinal).ToEquatableArray();

    public static EquatableArray<string> InterceptableIds(EquatableArray<DurableMethodModel> methods)
        => methods.Where(m => m.IsInterceptable).Select(m => m.Id).ToEquatableArray();
}
