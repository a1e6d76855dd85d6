using System.Linq;
using Dbos.Generators.Model;
using static Dbos.Generators.Emit.Emitter;

namespace Dbos.Generators.Emit;

/// <summary>Emits <c>Dbos.Registration.g.cs</c>: a module initializer that registers every workflow, the app's
/// <c>JsonSerializerContext</c>s and the DI services.</summary>
internal static class RegistrationEmitter
{
    public const string HintName = "Dbos.Registration.g.cs";

    private const string ServiceCollectionExtensions = "global::Microsoft.Extensions.DependencyInjection.Extensions.ServiceCollectionDescriptorExtensions";

    /// <summary>The file's text, or <c>null</c> when there is nothing to register.</summary>
    public static string? Emit(EquatableArray<ClassPlan> plans, EquatableArray<string> jsonContexts)
    {
        var accessible = plans.Where(p => p.Class.IsAccessible).ToList();
        var workflows = accessible
            .SelectMany(p => p.Methods)
            .Where(m => m.Method.Kind is DurableKind.Workflow or DurableKind.Transaction)
            .ToList();
        var instanceClasses = accessible
            .Where(p => !p.Class.IsStatic && !p.Class.IsAbstract && p.Methods.Any(m => !m.Method.IsStatic))
            .ToList();
        var clients = accessible.Where(p => p.HasClient).ToList();
        if (workflows.Count == 0 && instanceClasses.Count == 0 && clients.Count == 0 && jsonContexts.Count == 0)
        {
            return null;
        }

        var writer = new SourceWriter();
        writer.WriteHeader();
        writer.OpenBlock("namespace Dbos.Generated");
        writer.WriteLine("/// <summary>Registers this assembly's workflows and services with the DBOS runtime when the module loads.</summary>");
        writer.WriteLine(EditorBrowsableNever);
        writer.WriteLine(GeneratedCode);
        writer.OpenBlock("internal static class DbosRegistration");
        writer.WriteLine("#pragma warning disable CA2255 // A module initializer registers the workflows before any code of this assembly runs, as recovery needs.");
        writer.WriteLine("[global::System.Runtime.CompilerServices.ModuleInitializerAttribute]");
        writer.WriteLine("internal static void Register()");
        writer.WriteLine("#pragma warning restore CA2255");
        writer.WriteLine("{");
        writer.Indent();

        foreach (var workflow in workflows)
        {
            // A transaction's temporary workflow is registered too: recovery finishes one that a crash interrupted.
            if (workflow.Method.Schedule is { } schedule)
            {
                writer.WriteLine(Runtime + ".RegisterScheduledWorkflow(" + Descriptor(workflow) + ", " + Literal(schedule.Cron) + ", "
                    + (schedule.TimeZone is null ? "null" : Literal(schedule.TimeZone)) + ", " + (schedule.Queue is null ? "null" : Literal(schedule.Queue)) + ");");
                continue;
            }

            writer.WriteLine(Runtime + ".RegisterWorkflow(" + (workflow.Method.Kind == DurableKind.Workflow ? Descriptor(workflow) : TemporaryWorkflow(workflow)) + ");");
        }

        foreach (var jsonContext in jsonContexts)
        {
            // Metadata for the app's own types, which Native AOT apps cannot serialize by reflection.
            writer.WriteLine(Runtime + ".RegisterJsonTypeInfoResolver(" + jsonContext + ".Default);");
        }

        if (instanceClasses.Count > 0 || clients.Count > 0)
        {
            writer.WriteLine(Runtime + ".RegisterServices(static services =>");
            writer.WriteLine("{");
            writer.Indent();
            foreach (var plan in instanceClasses)
            {
                writer.WriteLine(ServiceCollectionExtensions + ".TryAddTransient<" + plan.Class.FullyQualifiedName + ">(services);");
            }

            foreach (var plan in clients)
            {
                writer.WriteLine(ServiceCollectionExtensions + ".TryAddSingleton<" + plan.ClientInterfaceFullyQualifiedName + ", " + plan.ClientFullyQualifiedName + ">(services);");
            }

            writer.Unindent();
            writer.WriteLine("});");
        }

        writer.Unindent();
        writer.WriteLine("}");
        writer.CloseBlock();
        writer.CloseBlock();
        return writer.ToString();
    }
}
