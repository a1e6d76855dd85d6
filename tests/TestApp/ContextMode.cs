using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Dbos;

namespace Dbos.TestApp;

/// <summary>
/// context DB WORKFLOW_ID EFFECT_FILE start|resume: "start" starts, as user alice (roles user, admin) and from an HTTP request,
/// a workflow whose first step appends "1" to EFFECT_FILE and whose second step waits for EFFECT_FILE.go, then reports the
/// user, roles, assumed role and request it sees. The test SIGKILLs the process in between; "resume" starts a process with no
/// user or request of its own, which recovers the workflow and prints its result: what the recovered workflow saw.
/// </summary>
internal static class ContextMode
{
    public static string EffectFile { get; private set; } = "";

    public static async Task<int> RunAsync(DbosOptions options, string[] args)
    {
        var workflowId = args[2];
        EffectFile = args[3];
        await using var runtime = await DbosRuntime.LaunchAsync(options);
        string result;
        if (args[4] == "start")
        {
            var request = new DbosRequest
            {
                Method = "POST",
                Url = "http://127.0.0.1:8080/reports/9?format=pdf",
                BaseUrl = "http://127.0.0.1:8080/",
                Headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["X-Request-Tag"] = "tag-9" },
                PathParams = new Dictionary<string, string> { ["id"] = "9" },
                ClientAddress = "127.0.0.1:50000",
            };
            using (new DBOSContextSetAuth("alice", ["user", "admin"]))
            using (new DBOSContextSetRequest(request))
            using (new SetWorkflowID(workflowId))
            {
                var handle = await DBOS.StartWorkflowAsync(() => ContextCrashWorkflows.Report(9));
                result = await handle.GetResultAsync();
            }
        }
        else
        {
            var handle = await DBOS.RetrieveWorkflowAsync<string>(workflowId);
            result = await handle.GetResultAsync();
        }

        Console.WriteLine("RESULT " + result);
        return 0;
    }
}

public static partial class ContextCrashWorkflows
{
    [Workflow]
    [RequiredRoles("admin")]
    public static async Task<string> Report(int id)
    {
        await Mark(id);
        return await Observe(id);
    }

    [Step]
    private static Task Mark(int id)
    {
        Effects.File = ContextMode.EffectFile;
        Effects.Append(id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return Task.CompletedTask;
    }

    /// <summary>Waits for the test's go-ahead, then reports what this step sees of the workflow's context.</summary>
    [Step]
    private static async Task<string> Observe(int id)
    {
        while (!File.Exists(ContextMode.EffectFile + ".go"))
        {
            await Task.Delay(20);
        }

        var request = DBOS.Request;
        return string.Join("|",
            DBOS.WorkflowId,
            DBOS.AuthenticatedUser,
            string.Join(",", DBOS.AuthenticatedRoles ?? []),
            DBOS.AssumedRole,
            request.Method,
            request.Url,
            request.GetHeader("X-Request-Tag"),
            request.PathParams["id"],
            id);
    }
}
