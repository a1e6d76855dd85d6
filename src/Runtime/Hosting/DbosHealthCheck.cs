using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Dbos;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.DependencyInjection
{
    /// <summary>Adds the DBOS health check to <c>services.AddHealthChecks()</c>.</summary>
    public static class DbosHealthChecksBuilderExtensions
    {
        /// <summary>
        /// Adds a check of the DBOS runtime registered with <c>AddDbos(...)</c>: healthy when it runs and its system database
        /// answers a query; <paramref name="failureStatus"/> (default Unhealthy) when it is not running or the database
        /// cannot be reached; Degraded when, on PostgreSQL, its notification listener is disconnected (waiters poll
        /// meanwhile). The result's data names the engine, executor ID, application version and listener state.
        /// </summary>
        public static IHealthChecksBuilder AddDbos(
            this IHealthChecksBuilder builder,
            string name = "dbos",
            HealthStatus? failureStatus = null,
            IEnumerable<string>? tags = null,
            TimeSpan? timeout = null)
        {
            ArgumentNullException.ThrowIfNull(builder);
            ArgumentException.ThrowIfNullOrWhiteSpace(name);
            return builder.Add(new HealthCheckRegistration(name, services => new DbosHealthCheck(services.GetService<DbosRuntime>()), failureStatus, tags, timeout));
        }
    }
}

namespace Dbos
{
    internal sealed class DbosHealthCheck(DbosRuntime? runtime) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var failure = context.Registration.FailureStatus;
            if (runtime is null)
            {
                return new HealthCheckResult(failure, "No DBOS runtime is registered: call services.AddDbos(...) as well as AddHealthChecks().AddDbos().");
            }

            if (!runtime.IsRunning)
            {
                return new HealthCheckResult(failure, "The DBOS runtime is not running: it has not started yet, failed to start, or has stopped.");
            }

            var database = runtime.Database;
            var data = new Dictionary<string, object>
            {
                ["engine"] = database.Engine,
                ["executor_id"] = runtime.ExecutorId,
                ["application_version"] = runtime.ApplicationVersion,
            };
            try
            {
                await database.PingAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                return new HealthCheckResult(failure, "The DBOS system database cannot be reached: " + e.Message, e, data);
            }

            IReadOnlyList<SystemDatabase.VersionBacklog> otherVersions;
            try
            {
                otherVersions = await runtime.CountOtherVersionsAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                otherVersions = []; // the ping decided reachability; this count only adds information
            }

            var otherTotal = 0L;
            foreach (var other in otherVersions)
            {
                otherTotal += other.Total;
            }

            data["other_versions_pending"] = otherTotal;
            // Not unhealthy: during a blue/green deploy the old version's processes are still finishing them.
            var note = otherVersions.Count == 0 ? string.Empty
                : $" {otherTotal} workflows of other application versions ({string.Join(", ", FormatBacklog(otherVersions))}) are pending; " +
                  $"this process runs version {runtime.ApplicationVersion} and will not run them (docs/versioning.md).";

            if (database.ListenerConnected is { } listening)
            {
                data["listener_connected"] = listening;
                if (!listening)
                {
                    return HealthCheckResult.Degraded(
                        "The DBOS notification listener is disconnected and reconnecting; workflows waiting for messages and events poll meanwhile." + note, null, data);
                }
            }

            return HealthCheckResult.Healthy("The DBOS system database is reachable." + note, data);
        }

        private static IEnumerable<string> FormatBacklog(IReadOnlyList<SystemDatabase.VersionBacklog> backlog)
        {
            foreach (var other in backlog)
            {
                yield return $"{other.Total} of {other.Version}";
            }
        }
    }
}
