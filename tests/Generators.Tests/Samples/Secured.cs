using System.Threading.Tasks;
using Dbos;

namespace Shop.Security
{
    /// <summary>Required roles: a class default, a method's own list replacing it, and an empty list opening a method to all.</summary>
    [RequiredRoles("admin", "ops")]
    public static partial class Vault
    {
        [Workflow]
        public static async Task<int> RotateAsync(int key)
        {
            await /*I*/AuditAsync(key);
            return await /*I*/StoreAsync(key) + /*I*/Peek(key);
        }

        [Step]
        [RequiredRoles("auditor")]
        public static Task AuditAsync(int key) => Task.CompletedTask;

        [Transaction]
        public static Task<int> StoreAsync(int key) => Task.FromResult(key);

        [Step]
        [RequiredRoles]
        public static int Peek(int key) => key;
    }
}
