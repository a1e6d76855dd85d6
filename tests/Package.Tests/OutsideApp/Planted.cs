using System;
using System.Threading.Tasks;
using Dbos;

namespace OutsideApp;

// The planted mistake: the clock read in a workflow body gives another value when the workflow is replayed (DBOS003).
public partial class Invoices
{
    [Workflow]
    public Task<string> Stamp(int invoice) => Task.FromResult(invoice + "@" + DateTime.Now.ToString("O"));
}
