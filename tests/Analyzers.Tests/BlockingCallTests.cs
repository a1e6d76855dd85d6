using System.Threading.Tasks;
using NUnit.Framework;
using Verify = Dbos.Analyzers.Tests.CodeFixVerifier<Dbos.Analyzers.BlockingCallAnalyzer, Dbos.Analyzers.CodeFixes.BlockingCallCodeFix>;

namespace Dbos.Analyzers.Tests;

public class BlockingCallTests
{
    private const string Usings = """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using Dbos;

        """;

    [Test]
    public Task Sync_StartWorkflow_and_GetResult_become_awaited_async_calls() => Verify.VerifyAsync(
        Usings + """
        public partial class Orders
        {
            [Workflow]
            public async Task<string> Parent()
            {
                var handle = {|DBOS002:DBOS.StartWorkflow(() => Report(1))|};
                var same = {|DBOS002:DBOS.RetrieveWorkflow<string>(handle.WorkflowId)|};
                await Task.Yield();
                return {|DBOS002:same.GetResult()|}.ToUpperInvariant();
            }

            [Workflow]
            public Task<string> Report(int day) => Task.FromResult("r" + day);
        }
        """,
        Usings + """
        public partial class Orders
        {
            [Workflow]
            public async Task<string> Parent()
            {
                var handle = await DBOS.StartWorkflowAsync(() => Report(1));
                var same = await DBOS.RetrieveWorkflowAsync<string>(handle.WorkflowId);
                await Task.Yield();
                return (await same.GetResultAsync()).ToUpperInvariant();
            }

            [Workflow]
            public Task<string> Report(int day) => Task.FromResult("r" + day);
        }
        """);

    [Test]
    public Task Handle_Wait_becomes_await_WaitAsync() => Verify.VerifyAsync(
        Usings + """
        public partial class Orders
        {
            [Workflow]
            public async Task Parent(WorkflowHandle child)
            {
                {|DBOS002:child.Wait()|};
                await Task.Yield();
            }
        }
        """,
        Usings + """
        public partial class Orders
        {
            [Workflow]
            public async Task Parent(WorkflowHandle child)
            {
                await child.WaitAsync();
                await Task.Yield();
            }
        }
        """);

    [Test]
    public Task Blocking_on_tasks_becomes_await() => Verify.VerifyAsync(
        Usings + """
        public partial class Orders
        {
            [Workflow]
            public async Task<int> Total()
            {
                var a = {|DBOS002:Price(1).Result|};
                {|DBOS002:Ship().Wait()|};
                var b = {|DBOS002:Price(2).GetAwaiter().GetResult()|};
                await Task.Yield();
                return a + b;
            }

            [Step]
            public Task<int> Price(int id) => Task.FromResult(id * 10);

            [Step]
            public Task Ship() => Task.CompletedTask;
        }
        """,
        Usings + """
        public partial class Orders
        {
            [Workflow]
            public async Task<int> Total()
            {
                var a = await Price(1);
                await Ship();
                var b = await Price(2);
                await Task.Yield();
                return a + b;
            }

            [Step]
            public Task<int> Price(int id) => Task.FromResult(id * 10);

            [Step]
            public Task Ship() => Task.CompletedTask;
        }
        """);

    [Test]
    public Task Reading_the_result_of_an_awaited_task_is_not_blocking() => AnalyzerVerifier<BlockingCallAnalyzer>.VerifyAsync(
        Usings + """
        public partial class Orders
        {
            [Workflow]
            public async Task<int> Total()
            {
                var a = Price(1);
                var b = Price(2);
                await Task.WhenAll(a, b);
                var tasks = new[] { Price(3), Price(4) };
                await Task.WhenAll(tasks);
                return a.Result + b.Result + tasks[0].Result;
            }

            [Step]
            public Task<int> Price(int id) => Task.FromResult(id * 10);
        }
        """);

    [Test]
    public Task Sync_workflows_steps_and_plain_code_are_not_checked() => AnalyzerVerifier<BlockingCallAnalyzer>.VerifyAsync(
        Usings + """
        public partial class Reports
        {
            [Workflow]
            public int Build(int day)
            {
                var handle = DBOS.StartWorkflow(() => Child(day));
                return handle.GetResult();
            }

            [Workflow]
            public int Child(int day) => day;

            [Step]
            public async Task<int> Fetch(int day)
            {
                await Task.Yield();
                return Task.FromResult(day).Result;
            }

            public async Task<int> Outside(WorkflowHandle<int> handle)
            {
                await Task.Yield();
                return handle.GetResult();
            }
        }
        """);

    [Test]
    public Task Inside_a_sync_lambda_or_a_lock_there_is_nothing_to_await_with() => AnalyzerVerifier<BlockingCallAnalyzer>.VerifyAsync(
        Usings + """
        public partial class Orders
        {
            private readonly object _gate = new();

            [Workflow]
            public async Task<int> Total(WorkflowHandle<int> handle)
            {
                Func<int> read = () => handle.GetResult();
                lock (_gate)
                {
                    Thread.Sleep(1);
                }

                await Task.Yield();
                return read();
            }
        }
        """);

    [Test]
    public Task Thread_Sleep_becomes_a_durable_sleep()
    {
        if (!TestSetup.DbosHas("SleepAsync"))
        {
            Assert.Ignore("DBOS.SleepAsync is not in the runtime yet.");
        }

        return Verify.VerifyAsync(
            Usings + """
            public partial class Orders
            {
                [Workflow]
                public async Task Remind(TimeSpan wait)
                {
                    {|DBOS002:Thread.Sleep(500)|};
                    {|DBOS002:Thread.Sleep(wait)|};
                    await Task.Yield();
                }
            }
            """,
            Usings + """
            public partial class Orders
            {
                [Workflow]
                public async Task Remind(TimeSpan wait)
                {
                    await DBOS.SleepAsync(TimeSpan.FromMilliseconds(500));
                    await DBOS.SleepAsync(wait);
                    await Task.Yield();
                }
            }
            """);
    }

    [Test]
    public Task Sync_messaging_calls_become_awaited_async_calls()
    {
        if (!TestSetup.DbosHas("RecvAsync"))
        {
            Assert.Ignore("DBOS.Send/Recv/SetEvent/GetEvent/Sleep are not in the runtime yet.");
        }

        return Verify.VerifyAsync(
            Usings + """
            public partial class Chat
            {
                [Workflow]
                public async Task<string?> Talk(string peer)
                {
                    {|DBOS002:DBOS.Send(peer, "hello", "greetings")|};
                    var answer = {|DBOS002:DBOS.Recv<string>("greetings", TimeSpan.FromSeconds(5))|};
                    {|DBOS002:DBOS.SetEvent("answer", answer)|};
                    var status = {|DBOS002:DBOS.GetEvent<string>(peer, "status")|};
                    {|DBOS002:DBOS.Sleep(TimeSpan.FromSeconds(1))|};
                    await Task.Yield();
                    return answer + status;
                }
            }
            """,
            Usings + """
            public partial class Chat
            {
                [Workflow]
                public async Task<string?> Talk(string peer)
                {
                    await DBOS.SendAsync(peer, "hello", "greetings");
                    var answer = await DBOS.RecvAsync<string>("greetings", TimeSpan.FromSeconds(5));
                    await DBOS.SetEventAsync("answer", answer);
                    var status = await DBOS.GetEventAsync<string>(peer, "status");
                    await DBOS.SleepAsync(TimeSpan.FromSeconds(1));
                    await Task.Yield();
                    return answer + status;
                }
            }
            """);
    }
}
