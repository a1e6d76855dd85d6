using System;
using System.Globalization;
using System.IO;
using System.Threading.Tasks;
using Dbos;

namespace Dbos.TestApp;

/// <summary>
/// Modes (all print one line "RESULT ..." on success):
///   steps DB WORKFLOW_ID EFFECT_FILE STEPS STEP_MS   runs (or recovers and finishes) a workflow whose steps append "i" to EFFECT_FILE
///   race  DB WORKFLOW_ID EFFECT_FILE                 starts the same workflow as another process at the same moment
///   migrate DB                                       migrates the system database
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var mode = args[0];
        var options = new DbosOptions { SystemDatabaseUrl = args[1], ShutdownTimeout = TimeSpan.Zero };
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
    public static void Append(string line)
    {
        using var stream = new FileStream(File, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
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

    [Step]
    private static async Task<int> AppendEffect(int index)
    {
        await Task.Delay(Effects.StepDelayMs);
        Effects.Append(index.ToString(CultureInfo.InvariantCulture));
        await Task.Delay(Effects.StepDelayMs);
        return index;
    }
}
