using Microsoft.CodeAnalysis;

namespace Dbos.Analyzers;

/// <summary>Every diagnostic the Dbos analyzers report. Ids are stable; each has a page in docs/analyzers.</summary>
internal static class Rules
{
    /// <summary>Where the rule pages are published (docs/analyzers in the repository).</summary>
    internal const string HelpLinkBase = "https://github.com/dbos-dotnet/dbos-dotnet/blob/main/docs/analyzers/";

    private const string Design = "Dbos.Design";
    private const string Determinism = "Dbos.Determinism";
    private const string Usage = "Dbos.Usage";
    private const string Versioning = "Dbos.Versioning";

    public static readonly DiagnosticDescriptor ClassMustBePartial = Create(
        "DBOS001",
        "Classes with durable methods must be partial",
        "Class '{0}' has [Workflow], [Step] or [Transaction] methods, so the Dbos generator must extend it: add 'partial' to {1}",
        Design,
        DiagnosticSeverity.Error,
        "The Dbos source generator adds a small invoker to each class that declares durable methods, which needs the class and every type containing it to be partial. Without it the methods are not made durable.");

    public static readonly DiagnosticDescriptor BlockingCallInAsyncWorkflow = Create(
        "DBOS002",
        "Blocking call in an async workflow",
        "'{0}' blocks the workflow's thread while it waits; use '{1}' instead",
        Usage,
        DiagnosticSeverity.Warning,
        "An async workflow should await durable operations and tasks: a blocking wait holds a thread for as long as the workflow waits (a Recv or Sleep can last minutes) and can starve the thread pool when many workflows wait at once.");

    public static readonly DiagnosticDescriptor NonDeterministicValue = Create(
        "DBOS003",
        "Non-deterministic value in a workflow",
        "{0}, which gives another value when the workflow is replayed after a crash; get it in a [Step] so the value is recorded",
        Determinism,
        DiagnosticSeverity.Warning,
        "A workflow is re-executed from the start during recovery, and its steps return their recorded outputs. Code outside steps must compute the same values every time, or the replay takes another path than the first run.");

    public static readonly DiagnosticDescriptor NonDurableDelay = Create(
        "DBOS004",
        "Non-durable delay in a workflow",
        "{0}, a delay that starts over when the workflow is recovered; use '{1}', a durable sleep that wakes at the time first planned",
        Determinism,
        DiagnosticSeverity.Warning,
        "DBOS.Sleep/SleepAsync record the wake-up time in the system database, so a workflow recovered after a crash sleeps only what remains. Task.Delay and Thread.Sleep start over on every replay.");

    public static readonly DiagnosticDescriptor IoOutsideStep = Create(
        "DBOS005",
        "I/O in a workflow outside a step",
        "{0}, which runs again on every replay and whose result is not recorded; move it into a [Step]",
        Determinism,
        DiagnosticSeverity.Warning,
        "Files, the network, other processes and environment variables can change between the first run and a replay, and writes made outside a step are repeated on replay. A [Step] records its result and runs once.");

    public static readonly DiagnosticDescriptor NonDeterministicScheduling = Create(
        "DBOS006",
        "Durable calls in a non-deterministic order",
        "{0} over durable calls: {1}",
        Determinism,
        DiagnosticSeverity.Warning,
        "Each durable operation of a workflow gets the next operation number when it is called, and a replay must call them in the same order. Work handed to the thread pool starts in any order, and the first task to finish can differ on replay.");

    public static readonly DiagnosticDescriptor SqlSessionOutsideTransaction = Create(
        "DBOS007",
        "DBOS.SqlSession outside a transaction",
        "DBOS.SqlSession is used in {0}, but it only exists inside a [Transaction] method; move the database work into a [Transaction]",
        Usage,
        DiagnosticSeverity.Warning,
        "DBOS.SqlSession is the database context of the running [Transaction]: DBOS opens its transaction, records the output in it and commits it. Outside a transaction there is none.");

    public static readonly DiagnosticDescriptor TransactionControlInTransaction = Create(
        "DBOS008",
        "Transaction control inside a [Transaction]",
        "'{0}' controls the database transaction that DBOS opens and commits for [Transaction] '{1}'; remove it: the transaction commits when the method returns and rolls back when it throws",
        Usage,
        DiagnosticSeverity.Warning,
        "A [Transaction] writes its output in the same database transaction as its effects, which is what makes it run exactly once. Committing, rolling back or starting another transaction on DBOS.SqlSession breaks that guarantee.");

    public static readonly DiagnosticDescriptor WorkflowOnlyApi = Create(
        "DBOS009",
        "Workflow-only API outside a workflow",
        "'{0}' only works inside a workflow, but {1}; call it from a [Workflow] method",
        Usage,
        DiagnosticSeverity.Warning,
        "Recv, SetEvent, durable Sleep and patches belong to the calling workflow (its messages, its events, its recorded wake-up time, the branch it took). In a step, a transaction or code outside any workflow there is no workflow to act on, and the call fails at run time.");

    public static readonly DiagnosticDescriptor DurableMethodAsDelegate = Create(
        "DBOS010",
        "Durable method used as a delegate",
        "[{0}] method '{1}' is used as a delegate, and calls through a delegate are not durable (only direct calls are routed through DBOS); call it in a lambda instead: '{2}'",
        Usage,
        DiagnosticSeverity.Error,
        "The Dbos generator intercepts each direct call of a [Workflow], [Step] or [Transaction] method. A method group turned into a delegate is called without interception, so the call is not checkpointed and a workflow is not started durably.");

    public static readonly DiagnosticDescriptor MethodCannotBeDurable = Create(
        "DBOS011",
        "Method cannot be made durable",
        "[{0}] method '{1}' cannot be made durable: {2}",
        Design,
        DiagnosticSeverity.Error,
        "The Dbos generator only makes non-generic methods of non-generic partial classes durable, with by-value parameters and return values. Other methods are skipped, so their calls are plain calls.");

    public static readonly DiagnosticDescriptor TypeNotStorable = Create(
        "DBOS012",
        "Type cannot be stored durably",
        "{0} of [{1}] '{2}' has type '{3}', which cannot be stored as portable JSON ({4}); pass or return plain data instead",
        Design,
        DiagnosticSeverity.Warning,
        "A workflow's arguments and result and a step's result are stored in the system database as portable JSON, so that a recovered workflow gets them back and other DBOS languages can read them. Delegates, pointers, streams, reflection types, cancellation tokens and tasks have no such form.");

    public static readonly DiagnosticDescriptor CapturedVariableWrittenInStep = Create(
        "DBOS013",
        "Captured variable written inside a step",
        "'{0}' is assigned inside the lambda passed to [{1}] '{2}': when the workflow is replayed the step is not run again, so the assignment is lost; return the value from the step instead",
        Determinism,
        DiagnosticSeverity.Warning,
        "A completed step is never run again: a replay returns its recorded result. Side effects of the step on the workflow's variables happen only in the first run.");

    public static readonly DiagnosticDescriptor AsyncVoidDurableMethod = Create(
        "DBOS014",
        "Durable method is async void",
        "[{0}] method '{1}' is 'async void', so nothing can wait for it: DBOS would record the {2} as finished at its first 'await', and an exception thrown after it would crash the process; return 'Task' instead",
        Design,
        DiagnosticSeverity.Error,
        "An async void method returns to its caller at its first await, and its exceptions are raised on the synchronization context instead of reaching the caller. DBOS records a workflow's, step's or transaction's outcome when the call returns, so it would record an unfinished method as done, and replay would skip the rest.");

    public static readonly DiagnosticDescriptor WorkflowStartedInStep = Create(
        "DBOS015",
        "Workflow started inside a step",
        "{0}: a workflow started inside a step is not recorded as a child of the calling workflow, so when the step runs again (a retry, or recovery after a crash before its result was recorded) it starts another one; start the workflow from the workflow's body instead",
        Usage,
        DiagnosticSeverity.Warning,
        "A workflow called from a workflow's body is a child: its ID is derived from the parent's and recorded, so a replay finds the same child. Inside a [Step] or [Transaction] there is no such record, and every run of the step starts a new workflow with a new ID.");

    public static readonly DiagnosticDescriptor DuplicateWorkflowClassName = Create(
        "DBOS016",
        "Two workflow classes store the same class name",
        "Classes '{0}' and '{1}' both store their workflows with the class name '{2}', so recovery and DBOS clients cannot tell their workflows apart; give one of them its own name with [WorkflowClass(Name = \"...\")]",
        Design,
        DiagnosticSeverity.Error,
        "Each workflow is stored with a class name (class_name) and a workflow name, and recovery and other DBOS clients find its code by the two. The class name is the simple class name unless [WorkflowClass(Name)] sets it, so classes named alike in different namespaces or outer classes would share it.",
        WellKnownDiagnosticTags.CompilationEnd);

    public static readonly DiagnosticDescriptor BadScheduledSignature = Create(
        "DBOS017",
        "A [Scheduled] method must be a workflow taking (DateTimeOffset scheduledTime, DateTimeOffset actualTime)",
        "'{0}' is [Scheduled], so it must be a [Workflow] whose parameters are (DateTimeOffset scheduledTime, DateTimeOffset actualTime), but {1}",
        Design,
        DiagnosticSeverity.Error,
        "The runtime enqueues a [Scheduled] workflow at every tick with two arguments: the tick's time and the time it was enqueued. A method that is not a workflow, or takes other parameters, cannot be run that way, and the runtime refuses to start with it.");

    public static readonly DiagnosticDescriptor BadCronText = Create(
        "DBOS018",
        "Invalid cron expression",
        "The cron expression \"{0}\" is not valid: {1}",
        Usage,
        DiagnosticSeverity.Error,
        "A schedule's cron text has 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first; each field is *, a value, a range a-b, a list a,b or a step */n within the field's bounds. The runtime refuses to start with a [Scheduled] workflow whose cron text it cannot parse.");

    public static readonly DiagnosticDescriptor PatchCheckedTwice = Create(
        "DBOS019",
        "Patch checked twice in a workflow",
        "Patch '{0}' is already checked at line {1} of workflow '{2}': a workflow that stopped between the two checks replays with false from the first and true from the second; check it once and keep the result in a variable, or give each change its own patch name",
        Versioning,
        DiagnosticSeverity.Warning,
        "DBOS.PatchAsync records a marker where it is first reached, and answers false where an older execution recorded another operation. Two checks of one patch sit at two positions, so one workflow can get both answers and run part of the old code and part of the new.");

    public static readonly DiagnosticDescriptor PatchNameNotConstant = Create(
        "DBOS020",
        "Patch name is not a constant",
        "The name passed to '{0}' is not a constant: a replay that computes another name finds no marker and takes another branch; pass a string literal or a const",
        Versioning,
        DiagnosticSeverity.Warning,
        "A patch is recorded under its name (DBOS.patch-<name>), and every execution of the workflow, in any version of the code, must ask for the same name at the same place. A computed name can change between the first run and a replay.");

    public static readonly DiagnosticDescriptor NoJsonMetadata = Create(
        "DBOS021",
        "Stored value without JSON metadata in a Native AOT build",
        "{0} has type '{1}', which this Native AOT or trimmed build cannot serialize without reflection: add [JsonSerializable(typeof({1}))] to a JsonSerializerContext in this project (DBOS registers it), or give DBOS a context that has it in DbosOptions.JsonTypeInfoResolvers",
        Design,
        DiagnosticSeverity.Warning,
        "With PublishAot, PublishTrimmed, IsAotCompatible or JsonSerializerIsReflectionEnabledByDefault=false, System.Text.Json has no reflection, so DBOS can store only values whose types have source-generated metadata: the built-in types (primitives, dates, GUIDs, JSON trees, common arrays, lists and dictionaries) and the types of the project's JsonSerializerContexts. Otherwise the workflow fails at run time with a serialization error.");

    private static DiagnosticDescriptor Create(string id, string title, string message, string category, DiagnosticSeverity severity, string description, params string[] tags)
        => new(id, title, message, category, severity, isEnabledByDefault: true, description: description, helpLinkUri: HelpLinkBase + id + ".md", customTags: tags);
}
