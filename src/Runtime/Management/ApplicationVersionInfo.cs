using System;

namespace Dbos;

/// <summary>A registered application version (a row of <c>application_versions</c>); the latest is the one with the
/// greatest <see cref="Timestamp"/>, and it dequeues the queued workflows that name no version.</summary>
/// <param name="VersionId">The row's random ID.</param>
/// <param name="VersionName">The version: <c>DbosOptions.ApplicationVersion</c>, <c>DBOS__APPVERSION</c>, or the hash of the workflows' code.</param>
/// <param name="Timestamp">When it was registered or last made the latest.</param>
/// <param name="CreatedAt">When it was first registered.</param>
/// <param name="ApplicationName">The application it belongs to, when the system database is shared (<c>DbosOptions.ApplicationName</c>).</param>
public sealed record ApplicationVersionInfo(string VersionId, string VersionName, DateTimeOffset Timestamp, DateTimeOffset CreatedAt, string? ApplicationName);
