using System.Threading.Tasks;

// Two workflow classes with one simple name: the second sets its stored class name, so their workflows stay apart.
namespace Dbos.Tests.Alpha
{
    public static partial class Ledger
    {
        [Workflow]
        public static Task<string> Record(int amount) => Task.FromResult("alpha " + amount);
    }
}

namespace Dbos.Tests.Beta
{
    [WorkflowClass(Name = "beta.Ledger")]
    public static partial class Ledger
    {
        [Workflow]
        public static Task<string> Record(int amount) => Task.FromResult("beta " + amount);
    }
}
