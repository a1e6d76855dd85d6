using System.Threading.Tasks;
using Dbos;

public partial class Heartbeat
{
    [Step]
    public static int Tick() => 1;
}

namespace Shop.Billing
{
    public static partial class Accounts
    {
        // The stored class name is set: another "Invoices" elsewhere would otherwise share its workflows' names.
        [WorkflowClass(Name = "billing.Invoices")]
        internal partial class Invoices
        {
            private readonly int _offset;

            public Invoices(int offset) => _offset = offset;

            [Workflow]
            public async Task<int> IssueAsync(int customer)
            {
                var number = await /*I*/NextNumberAsync();
                await /*I*/ChargeAsync(customer, 1.5m);
                return number + customer + _offset + Heartbeat./*I*/Tick() + /*I*/Balance(customer);
            }

            [Transaction(Name = "charge")]
            public Task ChargeAsync(int customer, decimal amount) => Task.CompletedTask;

            [Transaction(IsolationLevel = TransactionIsolationLevel.RepeatableRead, ReadOnly = true)]
            internal static int Balance(int customer) => customer;

            [Step]
            internal static Task<int> NextNumberAsync() => Task.FromResult(1);

            // Registered with its cron text, time zone and queue; fires at 03:00 on 1 January only.
            [Scheduled("0 0 3 1 1 *", TimeZone = "Europe/Paris", Queue = "billing")]
            [Workflow]
            public static Task<string> YearlyStatement(System.DateTimeOffset scheduledTime, System.DateTimeOffset actualTime) => Task.FromResult("statement");
        }
    }
}
