using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Microsoft.Data.Sqlite;
using NUnit.Framework;

namespace Dbos.Package.Tests;

/// <summary>
/// The path every user takes: the solution packs into a feed (once per run), and apps in a folder outside the repository,
/// with their own nuget.config and nothing of the repository's build files, reference package Dbos and nothing else.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class PackageTests
{
    private static readonly string[] PackageIds = ["Dbos", "Dbos.AspNetCore", "Dbos.OpenTelemetry", "Dbos.Testing"];

    /// <summary>The dotnet tool: a package of its own, with no symbols package (a tool carries its assemblies).</summary>
    private const string ToolPackageId = "Dbos.Cli";

    private string _repository = "";
    private string _configuration = "";
    private string _work = "";
    private string _feed = "";
    private string _version = "";

    [OneTimeSetUp]
    public void PackTheSolutionIntoAFeed()
    {
        _repository = Dotnet.RepositoryRoot();
        _configuration = typeof(PackageTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;
        _work = Path.Combine(Path.GetTempPath(), "dbos-package-tests", Guid.NewGuid().ToString("N"));
        _feed = Path.Combine(_work, "feed");
        Directory.CreateDirectory(_feed);

        // A version no earlier run used, so NuGet's cache cannot answer with another build's package.
        var suffix = $"test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";
        _version = VersionPrefix() + "-" + suffix;
        var pack = Dotnet.Run(_repository, "pack", "Workflows.sln", "-c", _configuration, "--no-build", "--no-restore", "-nologo", "-nodeReuse:false",
            "-o", _feed, "-p:VersionSuffix=" + suffix);
        Assert.That(pack.ExitCode, Is.Zero, "dotnet pack " + pack);

        // The apps' folder: empty build files stop MSBuild's search for the repository's (or any parent's) files.
        foreach (var file in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props" })
        {
            File.WriteAllText(Path.Combine(_work, file), "<Project />\n");
        }

        File.WriteAllText(Path.Combine(_work, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="dbos-test-feed" value="{_feed}" />
              </packageSources>
            </configuration>
            """);
    }

    [OneTimeTearDown]
    public void RemoveTheFeedAndTheCachedTestPackages()
    {
        if (_work.Length == 0 || !Directory.Exists(_work))
        {
            return;
        }

        // The test versions extracted into the user's package cache are never used again.
        var locals = Dotnet.Run(_work, "nuget", "locals", "global-packages", "--list");
        var cache = locals.Output.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("global-packages:", StringComparison.Ordinal));
        if (cache is not null)
        {
            foreach (var id in PackageIds.Append(ToolPackageId))
            {
                var folder = Path.Combine(cache["global-packages:".Length..].Trim(), id.ToLowerInvariant(), _version);
                if (Directory.Exists(folder))
                {
                    Directory.Delete(folder, recursive: true);
                }
            }
        }

        Directory.Delete(_work, recursive: true);
    }

    [Test]
    public void Every_package_is_packed_with_one_version_its_metadata_a_readme_and_symbols()
    {
        var packed = Directory.GetFiles(_feed).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        var expected = PackageIds.SelectMany(id => new[] { $"{id}.{_version}.nupkg", $"{id}.{_version}.snupkg" })
            .Append($"{ToolPackageId}.{_version}.nupkg").Order(StringComparer.Ordinal);
        Assert.That(packed, Is.EqualTo(expected), "tests, samples, benchmarks, the generator and the analyzers are not packages of their own");

        foreach (var id in PackageIds)
        {
            using var package = ZipFile.OpenRead(Path.Combine(_feed, $"{id}.{_version}.nupkg"));
            var metadata = Nuspec(package).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
            string? Value(string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value;

            Assert.That(Value("id"), Is.EqualTo(id));
            Assert.That(Value("version"), Is.EqualTo(_version));
            Assert.That(Value("description"), Is.Not.Empty, id);
            Assert.That(Value("tags"), Does.Contain("dbos").And.Contain("workflow"), id);
            Assert.That(Value("license"), Is.EqualTo("MIT"), id);
            Assert.That(Value("projectUrl"), Does.StartWith("https://"), id);
            Assert.That(Value("readme"), Is.EqualTo("README.md"), id);
            var readme = ReadEntry(package, "README.md");
            Assert.That(readme, Does.Contain(id).And.Contain("dotnet add package " + id), id + " README.md");
            var repository = metadata.Elements().Single(e => e.Name.LocalName == "repository");
            Assert.That(repository.Attribute("url")?.Value, Does.StartWith("https://"), id);
            Assert.That(repository.Attribute("commit")?.Value, Does.Match("^[0-9a-f]{40}$"), id + ": the commit it was built from");

            // The integrations depend on the Dbos of the same pack, with its generator, analyzers and targets.
            var dependencies = metadata.Descendants().Where(e => e.Name.LocalName == "dependency").ToList();
            if (id != "Dbos")
            {
                var dbos = dependencies.Single(d => d.Attribute("id")?.Value == "Dbos");
                Assert.That(dbos.Attribute("version")?.Value, Is.EqualTo(_version), id);
                Assert.That(dbos.Attribute("exclude"), Is.Null, id + " must not exclude the build and analyzer assets of Dbos");
            }

            using var symbols = ZipFile.OpenRead(Path.Combine(_feed, $"{id}.{_version}.snupkg"));
            Assert.That(symbols.Entries.Select(e => e.FullName), Does.Contain($"lib/net10.0/{id}.pdb"));
        }
    }

    [Test]
    public void The_Dbos_package_carries_the_generator_the_analyzers_and_the_interceptors_namespace()
    {
        using var package = ZipFile.OpenRead(Path.Combine(_feed, $"Dbos.{_version}.nupkg"));
        var entries = package.Entries.Select(e => e.FullName).ToList();
        Assert.That(entries, Does.Contain("lib/net10.0/Dbos.dll").And.Contain("lib/net10.0/Dbos.xml"));
        Assert.That(entries.Where(e => e.StartsWith("analyzers/", StringComparison.Ordinal)), Is.EquivalentTo(new[]
        {
            "analyzers/dotnet/cs/Dbos.Generators.dll",
            "analyzers/dotnet/cs/Dbos.Analyzers.dll",
            "analyzers/dotnet/cs/Dbos.Analyzers.CodeFixes.dll",
        }));

        // The packed generator and analyzers are the ones this build produced, not copies found on disk.
        foreach (var (project, assembly) in new[] { ("Generators", "Dbos.Generators"), ("Analyzers", "Dbos.Analyzers"), ("Analyzers.CodeFixes", "Dbos.Analyzers.CodeFixes") })
        {
            var built = Path.Combine(_repository, "src", project, "bin", _configuration, "netstandard2.0", assembly + ".dll");
            Assert.That(ReadBytes(package, $"analyzers/dotnet/cs/{assembly}.dll"), Is.EqualTo(File.ReadAllBytes(built)), assembly);
        }

        var targets = ReadEntry(package, "buildTransitive/Dbos.targets");
        Assert.That(targets, Does.Contain("<InterceptorsNamespaces>$(InterceptorsNamespaces);Dbos.Generated</InterceptorsNamespaces>"));
        Assert.That(targets, Does.Contain("DBOS900"));
    }

    [Test]
    public void The_packed_assemblies_and_symbols_name_no_folder_of_the_build_machine()
    {
        if (!_configuration.Equals("Release", StringComparison.Ordinal))
        {
            Assert.Ignore("Only Release builds map their source paths (/_/); this run is " + _configuration + ".");
        }

        var root = _repository.TrimEnd(Path.DirectorySeparatorChar);
        var needles = new[] { Encoding.UTF8.GetBytes(root), Encoding.Unicode.GetBytes(root) };
        var scanned = 0;
        foreach (var file in Directory.GetFiles(_feed).Where(f => !Path.GetFileName(f).StartsWith(ToolPackageId + ".", StringComparison.Ordinal)))
        {
            using var package = ZipFile.OpenRead(file);
            foreach (var entry in package.Entries.Where(e => e.FullName.EndsWith(".dll", StringComparison.Ordinal) || e.FullName.EndsWith(".pdb", StringComparison.Ordinal)))
            {
                var bytes = ReadBytes(package, entry.FullName);
                foreach (var needle in needles)
                {
                    Assert.That(bytes.AsSpan().IndexOf(needle), Is.EqualTo(-1), $"{Path.GetFileName(file)}/{entry.FullName} contains {root}");
                }

                scanned++;
            }
        }

        Assert.That(scanned, Is.EqualTo(4 + 4 + 3), "four libraries, their four PDBs and the generator and two analyzer assemblies");

        // The PDB maps its sources to the repository at the commit (SourceLink), under the deterministic root /_/.
        using var symbols = ZipFile.OpenRead(Path.Combine(_feed, $"Dbos.{_version}.snupkg"));
        var pdb = Encoding.UTF8.GetString(ReadBytes(symbols, "lib/net10.0/Dbos.pdb"));
        Assert.That(pdb, Does.Match("\"/_/\\*\":\"https://raw.githubusercontent.com/[^\"]+/[0-9a-f]{40}/\\*\""));
    }

    [Test]
    public void The_dbos_tool_installs_from_the_feed_into_a_tool_path_and_a_local_manifest_and_runs()
    {
        using (var package = ZipFile.OpenRead(Path.Combine(_feed, $"{ToolPackageId}.{_version}.nupkg")))
        {
            var entries = package.Entries.Select(e => e.FullName).ToList();
            Assert.That(entries, Does.Contain("tools/net10.0/any/Dbos.Cli.dll").And.Contain("tools/net10.0/any/Dbos.dll").And.Contain("tools/net10.0/any/DotnetToolSettings.xml"));
            Assert.That(ReadEntry(package, "tools/net10.0/any/DotnetToolSettings.xml"), Does.Contain("<Command Name=\"dbos\" EntryPoint=\"Dbos.Cli.dll\""));
            var root = Encoding.UTF8.GetBytes(_repository.TrimEnd(Path.DirectorySeparatorChar));
            Assert.That(ReadBytes(package, "tools/net10.0/any/Dbos.Cli.dll").AsSpan().IndexOf(root), Is.EqualTo(-1), "no folder of the build machine");
        }

        // dotnet tool install --tool-path, as --global does into ~/.dotnet/tools.
        var tools = Path.Combine(_work, "tools");
        var install = Dotnet.Run(_work, "tool", "install", ToolPackageId, "--tool-path", tools, "--version", _version, "--add-source", _feed);
        Assert.That(install.ExitCode, Is.Zero, "dotnet tool install " + install);
        var version = Dotnet.Exec(Path.Combine(tools, "dbos"), _work, "version");
        Assert.That(version.ExitCode, Is.Zero, "dbos version " + version);
        // The assemblies carry the version of their build (the feed is packed with --no-build): its prefix, the same for both.
        Assert.That(version.Output, Does.Match($@"^dbos ({Regex.Escape(VersionPrefix())}\S*) \(Dbos runtime \1, \.NET 10\."));

        // The installed tool works on a database: migrate a new SQLite file, then list its (no) workflows as JSON.
        var database = Path.Combine(_work, "tool.sqlite");
        Assert.That(Dotnet.Exec(Path.Combine(tools, "dbos"), _work, "migrate", "--db", database).ExitCode, Is.Zero);
        var list = Dotnet.Exec(Path.Combine(tools, "dbos"), _work, "workflow", "list", "--json", "--db", database);
        Assert.That(list.ExitCode, Is.Zero, list.ToString());
        Assert.That(list.Output.Trim(), Is.EqualTo("[]"));

        // A local tool manifest: dotnet dbos.
        var local = Path.Combine(_work, "local-tool");
        Directory.CreateDirectory(local);
        Assert.That(Dotnet.Run(local, "new", "tool-manifest").ExitCode, Is.Zero);
        var localInstall = Dotnet.Run(local, "tool", "install", ToolPackageId, "--version", _version);
        Assert.That(localInstall.ExitCode, Is.Zero, "dotnet tool install (local) " + localInstall);
        var dotnetDbos = Dotnet.Run(local, "dbos", "version");
        Assert.That(dotnetDbos.ExitCode, Is.Zero, "dotnet dbos version " + dotnetDbos);
        Assert.That(dotnetDbos.Output, Does.StartWith($"dbos {VersionPrefix()}"));
    }

    [Test]
    public void An_app_outside_the_repository_resumes_its_workflow_after_a_kill_without_rerunning_the_first_step()
    {
        var app = CreateProject("app", "Exe", "net10.0", "Program.cs", "Shipping.cs");
        var build = Dotnet.Run(app, "build", "-nologo", "-nodeReuse:false");
        Assert.That(build.ExitCode, Is.Zero, "dotnet build " + build);
        Assert.That(build.Output, Does.Not.Contain("warning DBOS"), "the app has no mistakes for the analyzers to report");

        var dll = Path.Combine(app, "bin", "Debug", "net10.0", "App.dll");
        var database = Path.Combine(_work, "shipping.sqlite");
        var first = Dotnet.Run(app, dll, database, "--crash-after-pack");
        Assert.That(first.ExitCode, Is.Not.Zero, "the first run kills itself: " + first);
        Assert.That(first.Output, Does.Contain("step PackBox ran").And.Contain("killing the process after step PackBox"), first.ToString());
        Assert.That(first.Output, Does.Not.Contain("step PrintLabel ran"), first.ToString());
        Assert.That(Query(database, "SELECT status FROM workflow_status WHERE workflow_uuid = 'shipment-7'"), Is.EqualTo(new[] { "PENDING" }));

        var second = Dotnet.Run(app, dll, database);
        Assert.That(second.ExitCode, Is.Zero, second.ToString());
        Assert.That(second.Output, Does.Contain("step PrintLabel ran").And.Contain("result: box-7+label-7"), second.ToString());
        Assert.That(second.Output, Does.Not.Contain("step PackBox ran"), "the checkpointed step is not run again: " + second);
        Assert.That(Query(database, "SELECT status FROM workflow_status WHERE workflow_uuid = 'shipment-7'"), Is.EqualTo(new[] { "SUCCESS" }));
        Assert.That(
            Query(database, "SELECT function_name FROM operation_outputs WHERE workflow_uuid = 'shipment-7' ORDER BY function_id"),
            Is.EqualTo(new[] { "PackBox", "PrintLabel" }));
    }

    [Test]
    public void A_test_outside_the_repository_skips_a_30_day_sleep_with_the_testing_package()
    {
        var source = File.ReadAllText(Path.Combine(_repository, "tests", "Package.Tests", "OutsideApp", "Trial.cs"));
        var app = CreateProject("trial", "Exe", "net10.0", "", $"<PackageReference Include=\"Dbos.Testing\" Version=\"[{_version}]\" />", [("Trial.cs", source)]);
        var build = Dotnet.Run(app, "build", "-nologo", "-nodeReuse:false");
        Assert.That(build.ExitCode, Is.Zero, "dotnet build " + build);
        var run = Dotnet.Run(app, Path.Combine(app, "bin", "Debug", "net10.0", "trial.dll"));
        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        Assert.That(run.Output, Does.Contain("result: ended, skipped 30 days"), run.ToString());
    }

    [Test]
    public void The_README_quick_start_builds_and_runs_as_written_against_the_package()
    {
        var readme = File.ReadAllText(Path.Combine(_repository, "README.md"));
        var section = readme[readme.IndexOf("## Quick start", StringComparison.Ordinal)..];
        var start = section.IndexOf("```csharp\n", StringComparison.Ordinal) + "```csharp\n".Length;
        var program = section[start..section.IndexOf("```", start, StringComparison.Ordinal)];
        Assert.That(program, Does.Contain("await host.StartAsync();"), "the quick start starts the host before it calls the client");

        // As "dotnet new console" makes it (implicit usings), plus the hosting package the quick start names.
        var hosting = XDocument.Load(Path.Combine(_repository, "Directory.Packages.props")).Descendants("PackageVersion")
            .Single(e => e.Attribute("Include")?.Value == "Microsoft.Extensions.Hosting").Attribute("Version")!.Value;
        var project = CreateProject("quickstart", "Exe", "net10.0",
            "<ImplicitUsings>enable</ImplicitUsings>", $"""<PackageReference Include="Microsoft.Extensions.Hosting" Version="{hosting}" />""",
            [("Program.cs", program)]);
        var build = Dotnet.Run(project, "build", "-nologo", "-nodeReuse:false");
        Assert.That(build.ExitCode, Is.Zero, "dotnet build " + build);
        Assert.That(build.Output, Does.Not.Contain("warning CS").And.Not.Contain("warning DBOS"), build.ToString());

        var run = Dotnet.Run(project, Path.Combine(project, "bin", "Debug", "net10.0", "quickstart.dll"));
        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        Assert.That(run.Output, Does.Contain("order 42: res-42"), run.ToString());
        Assert.That(Query(Path.Combine(project, "dbos_system.sqlite"), "SELECT status FROM workflow_status WHERE workflow_uuid = 'order-42'"), Is.EqualTo(new[] { "SUCCESS" }));
    }

    [Test]
    public void The_analyzers_of_the_package_report_a_mistake_planted_in_an_app()
    {
        var project = CreateProject("planted", "Library", "net10.0", "Planted.cs");
        var build = Dotnet.Run(project, "build", "-nologo", "-nodeReuse:false");
        Assert.That(build.ExitCode, Is.Zero, "DBOS003 is a warning: " + build);
        Assert.That(build.Output, Does.Contain("Planted.cs(11,").And.Contain("warning DBOS003").And.Contain("DateTime.Now"), build.ToString());
    }

    [Test]
    public void An_app_below_net10_fails_to_build_with_an_error_naming_the_requirement()
    {
        var project = CreateProject("legacy", "Library", "net8.0", "Legacy.cs");
        var build = Dotnet.Run(project, "build", "-nologo", "-nodeReuse:false");
        Assert.That(build.ExitCode, Is.Not.Zero, build.ToString());
        Assert.That(build.Output, Does.Contain("error DBOS900").And.Contain("requires .NET 10 or later (net10.0)").And.Contain("targets net8.0"), build.ToString());
        Assert.That(build.Output, Does.Not.Contain("CS0246"), "the build stops before the compiler reports the missing types");
    }

    [Test]
    public void A_local_pack_stamps_the_version_and_an_official_build_does_not()
    {
        var prefix = VersionPrefix();
        var stamp = Path.Combine(_work, "pack-stamp.txt");
        File.WriteAllText(stamp, "20260102030405\n");
        string Evaluate(params string[] properties)
        {
            var arguments = new List<string> { "msbuild", Path.Combine(_repository, "src", "Runtime", "Dbos.csproj"), "-nologo", "-getProperty:PackageVersion", "-p:DbosPackStampFile=" + stamp };
            arguments.AddRange(properties.Select(p => "-p:" + p));
            var result = Dotnet.Run(_repository, [.. arguments]);
            Assert.That(result.ExitCode, Is.Zero, result.ToString());
            return result.Output.Trim();
        }

        Assert.That(Evaluate(), Is.EqualTo(prefix + "-local.20260102030405"));
        Assert.That(Evaluate("OfficialBuild=true"), Is.EqualTo(prefix));
        Assert.That(Evaluate("VersionSuffix="), Is.EqualTo(prefix));
        Assert.That(Evaluate("VersionSuffix=rc.1"), Is.EqualTo(prefix + "-rc.1"));
    }

    /// <summary>A project in the apps' folder that references package Dbos only, with the named files of OutsideApp/.</summary>
    private string CreateProject(string name, string outputType, string targetFramework, params string[] sources)
        => CreateProject(name, outputType, targetFramework, "", "", sources.Select(f => (f, File.ReadAllText(Path.Combine(_repository, "tests", "Package.Tests", "OutsideApp", f)))).ToArray());

    private string CreateProject(string name, string outputType, string targetFramework, string moreProperties, string moreItems, (string Name, string Text)[] sources)
    {
        var directory = Path.Combine(_work, name);
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, name == "app" ? "App.csproj" : name + ".csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>{outputType}</OutputType>
                <TargetFramework>{targetFramework}</TargetFramework>
                <Nullable>enable</Nullable>
                {moreProperties}
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Dbos" Version="[{_version}]" />
                {moreItems}
              </ItemGroup>
            </Project>
            """);
        foreach (var (file, text) in sources)
        {
            File.WriteAllText(Path.Combine(directory, file), text);
        }

        return directory;
    }

    private string VersionPrefix()
        => XDocument.Load(Path.Combine(_repository, "Directory.Build.props")).Descendants("VersionPrefix").Single().Value;

    private static XDocument Nuspec(ZipArchive package)
    {
        var entry = package.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal) && !e.FullName.Contains('/', StringComparison.Ordinal));
        using var stream = entry.Open();
        return XDocument.Load(stream);
    }

    private static string ReadEntry(ZipArchive package, string name) => Encoding.UTF8.GetString(ReadBytes(package, name));

    private static byte[] ReadBytes(ZipArchive package, string name)
    {
        var entry = package.GetEntry(name) ?? throw new AssertionException($"{name} is not in the package");
        using var stream = entry.Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static string?[] Query(string database, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var values = new List<string?>();
        while (reader.Read())
        {
            values.Add(reader.IsDBNull(0) ? null : reader.GetString(0));
        }

        return values.ToArray();
    }
}
