using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Dbos.Analyzers.Determinism;

/// <summary>One use of an API that a workflow must not make outside a step.</summary>
/// <param name="Rule">DBOS003 (value), DBOS004 (delay), DBOS005 (I/O) or DBOS006 (scheduling).</param>
/// <param name="Api">How the message names the API, e.g. <c>DateTime.Now</c>.</param>
/// <param name="Advice">For DBOS006, what to do instead; for DBOS004, the durable replacement.</param>
/// <param name="Operation">Where it is used.</param>
internal sealed record ApiUse(DiagnosticDescriptor Rule, string Api, string Advice, IOperation Operation);

/// <summary>The .NET APIs whose result or effect differs between a workflow's first run and its replay.</summary>
internal static class ApiCatalog
{
    private const string ThreadPoolAdvice = "the thread pool starts them in any order, so a replay can number them differently; call them directly in the workflow and await them together with Task.WhenAll";
    private const string WhenAnyAdvice = "which one finishes first can differ when the workflow is replayed; await them all with Task.WhenAll, or wait for a message with DBOS.RecvAsync and a timeout";

    /// <summary>The use of a listed API this operation makes, or null.</summary>
    /// <param name="operation">An invocation, property reference or object creation.</param>
    /// <param name="durableTasks">Locals that hold the tasks of durable calls in the method being examined.</param>
    public static ApiUse? Classify(IOperation operation, DurableTaskLocals durableTasks)
    {
        switch (operation)
        {
            case IPropertyReferenceOperation property:
                return ClassifyProperty(property);
            case IInvocationOperation invocation:
                return ClassifyInvocation(invocation, durableTasks);
            case IObjectCreationOperation creation when creation.Constructor is { } constructor:
                return ClassifyCreation(creation, constructor);
            default:
                return null;
        }
    }

    private static ApiUse? ClassifyProperty(IPropertyReferenceOperation reference)
    {
        var property = reference.Property;
        switch (TypeName(property.ContainingType))
        {
            case "System.DateTime" when property.Name is "Now" or "UtcNow" or "Today":
            case "System.DateTimeOffset" when property.Name is "Now" or "UtcNow":
            case "System.Random" when property.Name == "Shared":
            case "System.Environment" when property.Name is "TickCount" or "TickCount64":
                return Value(property.ContainingType.Name + "." + property.Name, reference);
            default:
                return null;
        }
    }

    private static ApiUse? ClassifyInvocation(IInvocationOperation invocation, DurableTaskLocals durableTasks)
    {
        var method = invocation.TargetMethod;
        var type = method.ContainingType;
        var name = method.Name;
        var display = type.Name + "." + name;
        switch (TypeName(type))
        {
            case "System.Guid" when name is "NewGuid" or "CreateVersion7":
            case "System.Security.Cryptography.RandomNumberGenerator":
            case "System.Diagnostics.Stopwatch" when name is "StartNew" or "GetTimestamp" or "GetElapsedTime":
            case "System.TimeProvider" when name is "GetUtcNow" or "GetLocalNow" or "GetTimestamp" or "GetElapsedTime":
            case "System.IO.Path" when name == "GetRandomFileName":
                return Value(display, invocation);

            // Waiting forever (Timeout.Infinite) parks the thread, e.g. after killing the process: it is not a delay.
            case "System.Threading.Tasks.Task" when name == "Delay" && !WaitsForever(invocation):
            case "System.Threading.Thread" when name == "Sleep" && !WaitsForever(invocation):
                return new ApiUse(Rules.NonDurableDelay, display, name == "Delay" ? "DBOS.SleepAsync" : "DBOS.Sleep", invocation);

            case "System.Environment" when name is "GetEnvironmentVariable" or "GetEnvironmentVariables" or "SetEnvironmentVariable" or "ExpandEnvironmentVariables":
            case "System.IO.File":
            case "System.IO.Directory":
            case "System.IO.FileInfo" or "System.IO.DirectoryInfo" or "System.IO.FileSystemInfo":
            case "System.IO.Path" when name == "GetTempFileName":
            case "System.Net.Dns":
            case "System.Net.WebClient":
            case "System.Net.Sockets.Socket" or "System.Net.Sockets.TcpClient" or "System.Net.Sockets.UdpClient" or "System.Net.Sockets.TcpListener":
            case "System.Diagnostics.Process" when name == "Start":
                return Io(display, invocation);
            case "System.Net.Http.HttpClient" or "System.Net.Http.HttpMessageInvoker" when IsHttpCall(name):
                return Io("HttpClient." + name, invocation);

            case "System.Threading.Tasks.Task" when name == "Run":
            case "System.Threading.Tasks.TaskFactory" when name == "StartNew":
            case "System.Threading.Tasks.TaskFactory`1" when name == "StartNew":
            case "System.Threading.Tasks.Parallel":
                return AnyArgument(invocation, a => durableTasks.ContainsDurableCall(a))
                    ? new ApiUse(Rules.NonDeterministicScheduling, TypeDisplay(type) + "." + name, ThreadPoolAdvice, invocation)
                    : null;
            case "System.Threading.Tasks.Task" when name == "WhenAny":
                return AnyArgument(invocation, a => durableTasks.ContainsDurableCall(a) || durableTasks.References(a))
                    ? new ApiUse(Rules.NonDeterministicScheduling, display, WhenAnyAdvice, invocation)
                    : null;
            default:
                return null;
        }
    }

    private static ApiUse? ClassifyCreation(IObjectCreationOperation creation, IMethodSymbol constructor)
    {
        var type = constructor.ContainingType;
        var display = "new " + type.Name + "(" + (constructor.Parameters.IsEmpty ? string.Empty : "...") + ")";
        switch (TypeName(type))
        {
            // A seeded Random gives the same sequence on every run; only the unseeded one is a problem.
            case "System.Random" when constructor.Parameters.IsEmpty:
            case "System.Diagnostics.Stopwatch":
                return Value(display, creation);
            case "System.IO.FileStream":
            case "System.IO.StreamReader" or "System.IO.StreamWriter" when constructor.Parameters.Length > 0 && constructor.Parameters[0].Type.SpecialType == SpecialType.System_String:
            case "System.Net.Sockets.Socket" or "System.Net.Sockets.TcpClient" or "System.Net.Sockets.UdpClient" or "System.Net.Sockets.TcpListener":
            case "System.Net.WebClient":
                return Io(display, creation);
            default:
                return null;
        }
    }

    private static bool WaitsForever(IInvocationOperation invocation)
    {
        if (invocation.Arguments.Length == 0)
        {
            return false;
        }

        var value = invocation.Arguments[0].Value;
        if (value.ConstantValue is { HasValue: true, Value: -1 })
        {
            return true;
        }

        return value is IFieldReferenceOperation { Field: { Name: "InfiniteTimeSpan", ContainingType.Name: "Timeout" } };
    }

    private static bool IsHttpCall(string name)
        => name.StartsWith("Get", System.StringComparison.Ordinal)
            || name.StartsWith("Post", System.StringComparison.Ordinal)
            || name.StartsWith("Put", System.StringComparison.Ordinal)
            || name.StartsWith("Patch", System.StringComparison.Ordinal)
            || name.StartsWith("Delete", System.StringComparison.Ordinal)
            || name.StartsWith("Send", System.StringComparison.Ordinal);

    private static bool AnyArgument(IInvocationOperation invocation, System.Func<IOperation, bool> predicate)
    {
        foreach (var argument in invocation.Arguments)
        {
            if (predicate(argument.Value))
            {
                return true;
            }
        }

        return invocation.Instance is { } instance && predicate(instance);
    }

    private static ApiUse Value(string api, IOperation operation) => new(Rules.NonDeterministicValue, api, string.Empty, operation);

    private static ApiUse Io(string api, IOperation operation) => new(Rules.IoOutsideStep, api, string.Empty, operation);

    private static string TypeDisplay(INamedTypeSymbol type) => type.Name == "TaskFactory" ? "Task.Factory" : type.Name;

    /// <summary>The simple names of every type listed above: anything else is rejected before any string is built.</summary>
    private static readonly System.Collections.Generic.HashSet<string> ListedTypes = new(System.StringComparer.Ordinal)
    {
        "DateTime", "DateTimeOffset", "Random", "Environment", "Guid", "RandomNumberGenerator", "Stopwatch", "TimeProvider", "Path",
        "Task", "Thread", "File", "Directory", "FileInfo", "DirectoryInfo", "FileSystemInfo", "Dns", "WebClient", "Socket", "TcpClient",
        "UdpClient", "TcpListener", "Process", "HttpClient", "HttpMessageInvoker", "TaskFactory", "Parallel", "FileStream", "StreamReader",
        "StreamWriter",
    };

    private static string TypeName(INamedTypeSymbol? type)
    {
        if (type is null || !ListedTypes.Contains(type.Name))
        {
            return string.Empty;
        }

        // Only System types are listed: skip the string work for everything else.
        var root = type.ContainingNamespace;
        while (root is { ContainingNamespace.IsGlobalNamespace: false })
        {
            root = root.ContainingNamespace;
        }

        if (root is null || root.Name != "System")
        {
            return string.Empty;
        }

        var definition = type.OriginalDefinition;
        var ns = definition.ContainingNamespace is { IsGlobalNamespace: false } containing ? containing.ToDisplayString() + "." : string.Empty;
        return ns + definition.MetadataName;
    }
}
