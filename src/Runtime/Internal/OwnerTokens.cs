using System;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;

namespace Dbos.Internal;

/// <summary>
/// The execution-ownership tokens written to <c>workflow_status.owner_xid</c> (at most 40 characters, as DBOS TypeScript
/// declares the column): <c>dn1:{instance}:{execution}</c>, where the instance is a random 64-bit id of the runtime
/// that runs the workflow. A runtime keeps its instance marked alive in the database (see
/// <see cref="SystemDatabase.ISystemDatabase.StartListeningAsync"/>), so a token of this form tells another process
/// whether its owner is provably gone. Tokens of other forms (DBOS TypeScript/Python, SQL enqueues) say nothing about
/// liveness.
/// </summary>
internal static class OwnerTokens
{
    private const string Prefix = "dn1:";
    private const int InstanceLength = 16;

    /// <summary>A new runtime instance id: 16 lowercase hex digits.</summary>
    public static string NewInstanceId() => Hex(RandomNumberGenerator.GetBytes(8));

    /// <summary>A new token for one execution by <paramref name="instanceId"/>.</summary>
    public static string New(string instanceId) => Prefix + instanceId + ":" + Hex(RandomNumberGenerator.GetBytes(8));

    /// <summary>The instance that wrote <paramref name="ownerXid"/>, when it is one of our tokens.</summary>
    public static bool TryGetInstance([NotNullWhen(true)] string? ownerXid, [NotNullWhen(true)] out string? instanceId)
    {
        instanceId = null;
        if (ownerXid is null || ownerXid.Length != Prefix.Length + InstanceLength + 1 + 16 || !ownerXid.StartsWith(Prefix, StringComparison.Ordinal)
            || ownerXid[Prefix.Length + InstanceLength] != ':' || !ulong.TryParse(ownerXid.AsSpan(Prefix.Length, InstanceLength), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out _))
        {
            return false;
        }

        instanceId = ownerXid.Substring(Prefix.Length, InstanceLength);
        return true;
    }

    /// <summary>The instance id as the two 32-bit keys of a PostgreSQL advisory lock.</summary>
    public static (int High, int Low) LockKeys(string instanceId)
    {
        var value = ulong.Parse(instanceId, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
        return (unchecked((int)(uint)(value >> 32)), unchecked((int)(uint)value));
    }

    /// <summary>Two advisory lock keys for an executor id in a schema (a stable hash), held while a runtime with that id is live.</summary>
    public static (int High, int Low) ExecutorLockKeys(string schema, string executorId)
    {
        var hash = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("dbos-dotnet-executor\0" + schema + "\0" + executorId));
        return (BitConverter.ToInt32(hash, 0), BitConverter.ToInt32(hash, 4));
    }

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
