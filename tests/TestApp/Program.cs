using System;
using System.Globalization;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Dbos;

namespace Dbos.TestApp;

/// <summary>
/// Modes (all print one line "RESULT ..." on success):
///   steps DB WORKFLOW_ID EFFECT_FILE STEPS STEP_MS   runs (or recovers and finishes) a workflow whose steps append "i" to EFFECT_FILE
///   race  DB WORKFLOW_ID EFFECT_FILE                 starts the same workflow as another process at the same moment
///   migrate DB                                       migrates the system database
///   transaction DB APP_DB WORKFLOW_ID KILL_AT        a [Transaction] on APP_DB, optionally SIGKILLed right after it commits (TransactionMode.cs)
///   context DB WORKFLOW_ID EFFECT_FILE start|resume  a workflow started with a user and a request, SIGKILLed, then recovered (ContextMode.cs)
///   fleet-start|fleet-recover ...                    many workflows left PENDING by a SIGKILL, recovered by several processes (FleetMode.cs)
///   worker DB EXECUTOR_ID                            serves the queue the DbosClient tests enqueue into, until stdin closes (WorkerMode.cs)
///   schedule DB LEDGER create|join                   one of several executors firing one stored schedule (ScheduleMode.cs)
///   queue-worker ...                                 one of several worker processes sharing a queue (QueueFleetMode.cs)
///   version-start|version-serve ...                  a workflow changed between two builds of this app (VersionMode.cs, tests/TestApp.B)
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var mode = args[0];
        // Takeover looks often, so tests of a killed process's workflows do not wait the default 10 s.
        var options = new DbosOptions { SystemDatabaseUrl = args[1], ShutdownTimeout = TimeSpan.Zero, TakeoverInterval = TimeSpan.FromMilliseconds(250) };
        switch (mode)
        {
            case "migrate":
            {
                await using var runtime = await DbosRuntime.LaunchAsync(options);
                Console.WriteLine("RESULT migrated");
                return 0;
            }

            case "steps":
            {
                Effects.File = args[3];
                var steps = int.Parse(args[4], CultureInfo.InvariantCulture);
                Effects.StepDelayMs = int.Parse(args[5], CultureInfo.InvariantCulture);
                await using var runtime = await DbosRuntime.LaunchAsync(options);
                string result;
                using (new SetWorkflowID(args[2]))
                {
                    result = await new CrashWorkflows().AppendSteps(steps);
                }

                Console.WriteLine("RESULT " + result);
                return 0;
            }

            case "race":
            {
                Effects.File = args[3];
                Effects.StepDelayMs = 50;
                await using var runtime = await DbosRuntime.LaunchAsync(options);
                // Both processes are started together; wait for a shared start time so the inserts really race.
                var startAt = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(args[4], CultureInfo.InvariantCulture));
                var wait = startAt - DateTimeOffset.UtcNow;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait);
                }

                string result;
                using (new SetWorkflowID(args[2]))
                {
                    result = await new CrashWorkflows().AppendSteps(3);
                }

                Console.WriteLine("RESULT " + result);
                return 0;
            }

            case "sleep":
            {
                // sleep DB WORKFLOW_ID SECONDS: prints "LAUNCHED ms" once the runtime runs, then the epoch ms at which the durable sleep ended.
                await using var runtime = await DbosRuntime.LaunchAsync(options);
                Console.WriteLine("LAUNCHED " + DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));
                long woke;
                using (new SetWorkflowID(args[2]))
                {
                    woke = await new CrashWorkflows().SleepThenReport(double.Parse(args[3], CultureInfo.InvariantCulture));
                }

                Console.WriteLine("RESULT " + woke.ToString(CultureInfo.InvariantCulture));
                return 0;
            }

            case "recv":
            {
                // recv DB WORKFLOW_ID EFFECT_FILE COUNT: receives COUNT messages, appending each to EFFECT_FILE in a slow step.
                Effects.File = args[3];
                Effects.StepDelayMs = 150;
                await using var runtime = await DbosRuntime.LaunchAsync(options);
                string received;
                using (new SetWorkflowID(args[2]))
                {
                    received = await new CrashWorkflows().ReceiveAndRecord(int.Parse(args[4], CultureInfo.InvariantCulture));
                }

                Console.WriteLine("RESULT " + received);
                return 0;
            }

            case "send":
            {
                // send DB DESTINATION MESSAGE
                await using var runtime = await DbosRuntime.LaunchAsync(options);
                await DBOS.SendAsync(args[2], args[3]);
                Console.WriteLine("RESULT sent");
                return 0;
            }

            case "transaction":
                return await TransactionMode.RunAsync(options, args);

            case "context":
                return await ContextMode.RunAsync(options, args);

            case "fleet-start":
            case "fleet-recover":
                return await FleetMode.RunAsync(options, args);

            case "worker":
                return await WorkerMode.RunAsync(options, args);

            case "schedule":
                return await ScheduleMode.RunAsync(options, args);

            case "queue-worker":
                return await QueueFleetMode.RunAsync(options, args);

            case "version-start":
            case "version-serve":
                return await VersionMode.RunAsync(options, args);

            default:
                Console.Error.WriteLine("unknown mode " + mode);
                return 2;
        }
    }
}

internal static class Effects
{
    public static string File { get; set; } = "";

    public static int StepDelayMs { get; set; }

    /// <summary>The step's side effect: one line, flushed to the OS before the step returns.</summary>
    public static void Append(string line) => AppendTo(File, line);

    private static readonly object AppendGate = new();

    /// <summary>Appends one line to <paramref name="path"/>. One writer at a time in this process: each stream seeks to the end
    /// when it opens, so two concurrent appends could overwrite each other. (Other processes write files of their own.)</summary>
    public static void AppendTo(string path, string line)
    {
        lock (AppendGate)
        {
            AppendLocked(path, line);
        }
    }

    private static void AppendLocked(string path, string line)
    {
        using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        var bytes = System.Text.Encoding.UTF8.GetBytes(line + "\n");
        stream.Write(bytes);
        stream.Flush(flushToDisk: true);
    }
}

public partial class CrashWorkflows
{
    [Workflow]
    public async Task<string> AppendSteps(int steps)
    {
        var total = 0;
        for (var i = 0; i < steps; i++)
        {
            total += await AppendEffect(i);
        }

        return $"{DBOS.WorkflowId}:{total}";
    }

    [Workflow]
    public async Task<long> SleepThenReport(double seconds)
    {
        await DBOS.SleepAsync(TimeSpan.FromSeconds(seconds));
        return await Clock();
    }

    [Step]
    private static Task<long> Clock() => Task.FromResult(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

    [Workflow]
    public async Task<string> ReceiveAndRecord(int count)
    {
        var received = new System.Collections.Generic.List<string>();
        for (var i = 0; i < count; i++)
        {
            var message = await DBOS.RecvAsync<string>(timeout: TimeSpan.FromMinutes(2)) ?? "timeout";
            await RecordMessage(message);
            received.Add(message);
        }

        return string.Join(",", received);
    }

    [Step]
    private static async Task RecordMessage(string message)
    {
        await Task.Delay(Effects.StepDelayMs);
        Effects.Append(message);
    }

    [Step]
    private static async Task<int> AppendEffect(int index)
    {
        await Task.Delay(Effects.StepDelayMs);
        Effects.Append(index.ToString(CultureInfo.InvariantCulture));
        await Task.Delay(Effects.StepDelayMs);
        return index;
    }
}
