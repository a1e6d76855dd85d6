// STUB: replaced by the PostgreSQL implementation.
using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace Dbos.SystemDatabase.Postgres;

internal sealed class PostgresSystemDatabase : ISystemDatabase
{
    /// <param name="connectionString">An Npgsql connection string (already normalized by <see cref="PostgresConnectionStrings.Normalize"/>).</param>
    public PostgresSystemDatabase(string connectionString, DbosOptions options, ILogger logger) => throw new NotImplementedException();

    public string Engine => "postgres";
    public Task MigrateAsync(CancellationToken cancellationToken) => throw new NotImplementedException();
    public Task<InsertWorkflowResult> InsertWorkflowStatusAsync(WorkflowStatusInsert row, CancellationToken cancellationToken) => throw new NotImplementedException();
    public Task<bool> RecordWorkflowOutcomeAsync(string workflowId, string ownerXid, WorkflowOutcome outcome, CancellationToken cancellationToken) => throw new NotImplementedException();
    public Task<WorkflowStatusRow?> GetWorkflowStatusAsync(string workflowId, bool loadPayloads, CancellationToken cancellationToken) => throw new NotImplementedException();
    public Task<IReadOnlyList<OperationRecord>> GetOperationsAsync(string workflowId, CancellationToken cancellationToken) => throw new NotImplementedException();
    public Task<OperationRecord?> RecordOperationAsync(string workflowId, OperationRecord operation, CancellationToken cancellationToken) => throw new NotImplementedException();
    public Task<IReadOnlyList<PendingWorkflow>> GetPendingWorkflowsAsync(string executorId, string applicationVersion, CancellationToken cancellationToken) => throw new NotImplementedException();
    public Task<WorkflowStatusRow?> ClaimForRecoveryAsync(string workflowId, string expectedOwnerXid, string newOwnerXid, string executorId, CancellationToken cancellationToken) => throw new NotImplementedException();
    public Task MarkMaxRecoveryAttemptsExceededAsync(string workflowId, CancellationToken cancellationToken) => throw new NotImplementedException();
    public Task<bool> RegisterApplicationVersionAsync(string version, string? applicationName, CancellationToken cancellationToken) => throw new NotImplementedException();
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

internal static class PostgresConnectionStrings
{
    /// <summary>Turns a <c>postgresql://</c> / <c>postgres://</c> URL or an Npgsql connection string into an Npgsql connection string.</summary>
    public static string Normalize(string urlOrConnectionString) => throw new NotImplementedException();
}
