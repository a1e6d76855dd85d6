namespace Dbos.Generators.Model;

/// <summary>What kind of durable operation a method is.</summary>
internal enum DurableKind
{
    Workflow,
    Step,
    Transaction,
}

/// <summary>How a method returns: decides which runtime entry point the generated code calls.</summary>
internal enum ReturnShape
{
    /// <summary><c>void</c>.</summary>
    Void,

    /// <summary>Any other synchronous type <c>T</c>.</summary>
    Value,

    /// <summary><c>Task</c>.</summary>
    Task,

    /// <summary><c>Task&lt;T&gt;</c>.</summary>
    TaskOfT,

    /// <summary><c>ValueTask</c>.</summary>
    ValueTask,

    /// <summary><c>ValueTask&lt;T&gt;</c>.</summary>
    ValueTaskOfT,
}

/// <summary>One enclosing type declaration, e.g. <c>Keyword = "class"</c>, <c>Name = "Outer"</c>.</summary>
internal readonly record struct ContainingTypeModel(string Keyword, string Name);

/// <summary>The class that declares durable methods.</summary>
/// <param name="Namespace">The namespace (escaped, without <c>global::</c>), empty for the global namespace.</param>
/// <param name="ContainingTypes">Enclosing types, outermost first.</param>
/// <param name="Keyword"><c>class</c> or <c>record</c>.</param>
/// <param name="Name">The escaped simple name, as written in code.</param>
/// <param name="MetadataName">The unescaped simple name.</param>
/// <param name="StoredName">The class name stored with its workflows: <c>[WorkflowClass(Name)]</c>, else <paramref name="MetadataName"/>.</param>
/// <param name="FullyQualifiedName">E.g. <c>global::Shop.Orders</c>.</param>
/// <param name="IsStatic">A static class.</param>
/// <param name="IsAbstract">An abstract class (not registered in DI, no fallback constructor).</param>
/// <param name="IsAccessible">Accessible from the whole assembly, so interceptors, registration and clients may name it.</param>
/// <param name="IsEffectivelyPublic">Public, and so are its containing types.</param>
/// <param name="Factory">A lambda creating an instance when DI has none, e.g. <c>static () => new global::Shop.Orders()</c>, or <c>null</c>.</param>
/// <param name="HidesBaseDbos">A base class also gets a nested <c>__Dbos</c>, so this one needs <c>new</c>.</param>
internal readonly record struct ClassModel(
    string Namespace,
    EquatableArray<ContainingTypeModel> ContainingTypes,
    string Keyword,
    string Name,
    string MetadataName,
    string StoredName,
    string FullyQualifiedName,
    bool IsStatic,
    bool IsAbstract,
    bool IsAccessible,
    bool IsEffectivelyPublic,
    string? Factory,
    bool HidesBaseDbos)
{
    /// <summary>Dotted path used in file names, e.g. <c>Shop.Outer.Orders</c>.</summary>
    public string HintPath
    {
        get
        {
            var path = Namespace.Length == 0 ? string.Empty : Namespace.Replace("@", string.Empty) + ".";
            foreach (var containing in ContainingTypes)
            {
                path += containing.Name.Replace("@", string.Empty) + ".";
            }

            return path + MetadataName;
        }
    }
}

/// <summary>One parameter of a durable method.</summary>
/// <param name="Name">Escaped for code, e.g. <c>@event</c>.</param>
/// <param name="MetadataName">As declared, e.g. <c>event</c>; stored in the workflow descriptor.</param>
/// <param name="Type">The type as written in a signature (with nullable annotations).</param>
/// <param name="TypeOfType">The type as written inside <c>typeof(...)</c>.</param>
/// <param name="IsParams">Declared with <c>params</c>.</param>
/// <param name="DefaultValue">The default value as C# source, or <c>null</c> when none (or not expressible).</param>
/// <param name="IsStepCancellationToken">A step's <c>CancellationToken</c>: the interceptor passes a token that also fires when
/// the workflow is cancelled or times out.</param>
internal readonly record struct ParameterModel(
    string Name,
    string MetadataName,
    string Type,
    string TypeOfType,
    bool IsParams,
    string? DefaultValue,
    bool HasDefaultValue,
    bool IsStepCancellationToken = false);

/// <summary>A method marked <c>[Workflow]</c>, <c>[Step]</c> or <c>[Transaction]</c>, as the generator needs it.</summary>
/// <param name="Id">The documentation comment ID: unique per method in the compilation, used to match call sites.</param>
/// <param name="DurableName">The recorded name: <c>Name</c> from the attribute, else the method name.</param>
/// <param name="ReturnType">The declared return type.</param>
/// <param name="ResultType">The awaited type (<c>T</c> of <c>Task&lt;T&gt;</c>, or the return type of a synchronous method); empty for void shapes.</param>
/// <param name="ResultTypeOf">The same inside <c>typeof(...)</c>; <c>void</c> for void shapes.</param>
/// <param name="IsInterceptable">The signature names only types the whole assembly can see.</param>
/// <param name="IsSignaturePublic">The signature names only effectively public types.</param>
/// <param name="SourceHash">FNV-1a 64 of the declaration's tokens (workflows, and transactions, which have a temporary workflow).</param>
/// <param name="IsolationLevel">A transaction's <c>Dbos.TransactionIsolationLevel</c>, as its number.</param>
/// <param name="ReadOnly">A read-only transaction.</param>
/// <param name="RequiredRoles">From <c>[RequiredRoles]</c> on the method, else on its class; empty for none.</param>
/// <param name="Schedule">A workflow's <c>[Scheduled]</c>, or null.</param>
internal readonly record struct DurableMethodModel(
    ClassModel Class,
    string Id,
    string Name,
    string MetadataName,
    DurableKind Kind,
    bool IsStatic,
    bool IsExtension,
    string ReturnType,
    ReturnShape Shape,
    string ResultType,
    string ResultTypeOf,
    EquatableArray<ParameterModel> Parameters,
    bool IsInterceptable,
    bool IsSignaturePublic,
    string DurableName,
    int MaxRecoveryAttempts,
    string SourceHash,
    bool RetriesAllowed,
    double IntervalSeconds,
    int MaxAttempts,
    double BackoffRate,
    int IsolationLevel,
    bool ReadOnly,
    EquatableArray<string> RequiredRoles,
    ScheduleModel? Schedule = null);

/// <summary>A workflow's <c>[Scheduled]</c>: its cron text, time zone and queue, as written (checked by the runtime and DBOS018).</summary>
internal readonly record struct ScheduleModel(string Cron, string? TimeZone, string? Queue);

/// <summary>A durable method with the member names generated for it.</summary>
/// <param name="Identifier">Unique within the class: the method name, with a suffix for overloads.</param>
/// <param name="InterceptorName">Unique within the compilation.</param>
/// <param name="ClientName">The typed-client name without <c>Start</c>/<c>Async</c> affixes, or empty when the client skips it.</param>
internal readonly record struct MethodPlan(
    DurableMethodModel Method,
    string Identifier,
    string InterceptorName,
    string ClientName);

/// <summary>A class and everything generated for it.</summary>
/// <param name="ClientName">E.g. <c>OrdersClient</c> (the interface adds an <c>I</c>), or empty when it gets no client.</param>
/// <param name="ClientIsPublic">Whether the client types are public.</param>
internal readonly record struct ClassPlan(
    ClassModel Class,
    EquatableArray<MethodPlan> Methods,
    string ClientName,
    bool ClientIsPublic)
{
    public bool HasClient => ClientName.Length > 0;

    public string ClientFullyQualifiedName => "global::" + (Class.Namespace.Length == 0 ? string.Empty : Class.Namespace + ".") + ClientName;

    public string ClientInterfaceFullyQualifiedName => "global::" + (Class.Namespace.Length == 0 ? string.Empty : Class.Namespace + ".") + "I" + ClientName;
}

/// <summary>An invocation whose callee's simple name may be that of a durable method (not bound yet).</summary>
internal readonly record struct InvocationCandidate(string FilePath, int Start, int Length, string Name);

/// <summary>A bound, interceptable call of a durable method.</summary>
/// <param name="MethodId">The called durable method's documentation comment ID.</param>
/// <param name="Receiver">For a call bound to an override of the durable method, the overriding class (fully qualified); else empty.</param>
/// <param name="Display">Where the call is, e.g. <c>Orders.cs(12,20)</c>, for a comment.</param>
internal readonly record struct CallSiteModel(
    string MethodId,
    string Receiver,
    string FilePath,
    int Start,
    string Display,
    int Version,
    string Data);
