using System;
using System.CommandLine;
using System.IO;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Dbos.Cli;

/// <summary>What scripts rely on: the exit codes of every command.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>No workflow with that ID, or the operation was refused (e.g. reset without confirmation).</summary>
    public const int Failed = 1;

    /// <summary>Bad arguments or options.</summary>
    public const int Usage = 2;

    /// <summary>The system database cannot be reached, or has no DBOS schema (or an older one).</summary>
    public const int Database = 3;
}

/// <summary>A failure the command reports as one line on standard error with its exit code.</summary>
internal sealed class CliException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>The options every command has (<c>--db</c>, <c>--json</c>), where the database comes from, and how a command runs:
/// its failures become one line on standard error and an exit code.</summary>
internal sealed class CliContext
{
    public const string SqliteDefault = "dbos_system.sqlite";

    public CliContext(TextWriter? output = null, TextWriter? error = null)
    {
        Output = output ?? Console.Out;
        Error = error ?? Console.Error;
    }

    public TextWriter Output { get; }

    public TextWriter Error { get; }

    public Option<string?> Database { get; } = new("--db", "-D")
    {
        Description = "The system database: a postgresql:// URL, an Npgsql connection string, sqlite:///path or a SQLite file path.",
        Recursive = true,
    };

    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Write JSON for scripts instead of a table.",
        Recursive = true,
    };

    /// <summary>The database setting: <c>--db</c>, <c>DBOS_SYSTEM_DATABASE_URL</c>, <c>Dbos:SystemDatabaseUrl</c> of ./appsettings.json,
    /// else ./dbos_system.sqlite when it exists.</summary>
    public string ResolveDatabase(ParseResult parse)
    {
        if (parse.GetValue(Database) is { Length: > 0 } given)
        {
            return given;
        }

        if (Environment.GetEnvironmentVariable(DbosOptions.SystemDatabaseUrlVariable) is { Length: > 0 } fromEnvironment)
        {
            return fromEnvironment;
        }

        if (FromAppSettings() is { } fromSettings)
        {
            return fromSettings;
        }

        if (File.Exists(SqliteDefault))
        {
            return SqliteDefault;
        }

        throw new CliException(ExitCodes.Usage,
            "No system database given: pass --db <url>, set DBOS_SYSTEM_DATABASE_URL, or run in a folder whose appsettings.json sets Dbos:SystemDatabaseUrl.");
    }

    private static string? FromAppSettings()
    {
        const string file = "appsettings.json";
        if (!File.Exists(file))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(file), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            return Property(document.RootElement, "Dbos") is { ValueKind: JsonValueKind.Object } section
                && Property(section, "SystemDatabaseUrl") is { ValueKind: JsonValueKind.String } url && url.GetString() is { Length: > 0 } value
                ? value
                : null;
        }
        catch (JsonException e)
        {
            throw new CliException(ExitCodes.Usage, $"./appsettings.json is not valid JSON ({e.Message}); fix it or pass --db.");
        }
    }

    /// <summary>Configuration keys are case-insensitive, as Microsoft.Extensions.Configuration reads them.</summary>
    private static JsonElement? Property(JsonElement element, string name)
    {
        foreach (var property in element.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return property.Value;
            }
        }

        return null;
    }

    public DbosOptions Options(ParseResult parse) => new() { SystemDatabaseUrl = ResolveDatabase(parse), ConnectTimeout = TimeSpan.FromSeconds(10) };

    /// <summary>A console for tables: colours only on a terminal, and wide enough that a redirected table is never wrapped.</summary>
    public IAnsiConsole CreateConsole()
    {
        var redirected = ReferenceEquals(Output, Console.Out) ? Console.IsOutputRedirected : true;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Output),
            Ansi = redirected ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = redirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Interactive = redirected ? InteractionSupport.No : InteractionSupport.Detect,
        });
        if (redirected)
        {
            console.Profile.Width = 400;
        }

        return console;
    }

    /// <summary>Adds the action to the command: it runs with a connected client, and its failures become exit codes.</summary>
    public void SetAction(Command command, Func<ParseResult, CancellationToken, Task<int>> action)
        => command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                return await action(parse, cancellationToken);
            }
            catch (CliException e)
            {
                await Error.WriteLineAsync(e.Message);
                return e.ExitCode;
            }
            catch (NonExistentWorkflowException e)
            {
                await Error.WriteLineAsync($"No workflow with ID '{e.WorkflowId}'.");
                return ExitCodes.Failed;
            }
            catch (DbosInitializationException e)
            {
                await Error.WriteLineAsync(e.Message);
                return ExitCodes.Database;
            }
            catch (ArgumentException e)
            {
                await Error.WriteLineAsync(e.Message);
                return ExitCodes.Usage;
            }
            catch (DbosException e)
            {
                await Error.WriteLineAsync(e.Message);
                return ExitCodes.Failed;
            }
        });

    /// <summary>Runs <paramref name="action"/> with a client of the resolved database.</summary>
    public void SetClientAction(Command command, Func<ParseResult, DbosClient, CancellationToken, Task<int>> action)
        => SetAction(command, async (parse, cancellationToken) =>
        {
            await using var client = await DbosClient.ConnectAsync(Options(parse), cancellationToken);
            return await action(parse, client, cancellationToken);
        });

    public async Task WriteJsonAsync<T>(T value)
    {
        await Output.WriteLineAsync(JsonSerializer.Serialize(value, CliJson.Options));
    }

    /// <summary>How a command that did one thing ends: its JSON with <c>--json</c>, else one line for people.</summary>
    public async Task<int> ReportAsync<TJson>(ParseResult parse, TJson json, string text)
    {
        if (parse.GetValue(Json))
        {
            await WriteJsonAsync(json);
        }
        else
        {
            await Output.WriteLineAsync(text);
        }

        return ExitCodes.Ok;
    }

    /// <summary>How a command that shows rows ends: their JSON with <c>--json</c>, else the table for people.</summary>
    public async Task<int> ShowAsync<TJson>(ParseResult parse, Func<TJson> json, Func<DateTimeOffset, IRenderable> table)
    {
        if (parse.GetValue(Json))
        {
            await WriteJsonAsync(json());
        }
        else
        {
            CreateConsole().Write(table(DateTimeOffset.UtcNow));
        }

        return ExitCodes.Ok;
    }
}
