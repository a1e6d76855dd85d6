using System.Threading.Tasks;
using Dbos;

namespace Dbos.Samples.AnalyzerDemo.Admin;

// DBOS016: both this class and Dbos.Samples.AnalyzerDemo.WrongWorkflows store their workflows with the class name
// 'WrongWorkflows'; [WorkflowClass(Name = "admin.WrongWorkflows")] would tell them apart.
public partial class WrongWorkflows
{
    [Workflow]
    public Task<int> Audit(int orderId) => Task.FromResult(orderId);
}
