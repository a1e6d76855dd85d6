using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;

namespace Dbos.Internal;

/// <summary>Workflows by stable name, filled by generated module initializers: what recovery uses to find
/// the code of a stored workflow without reflection.</summary>
internal sealed class WorkflowRegistry
{
    public static readonly WorkflowRegistry Global = new();

    private readonly object _gate = new();
    private readonly Dictionary<string, WorkflowDescriptor> _byQualifiedName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<WorkflowDescriptor>> _byName = new(StringComparer.Ordinal);
    private readonly List<Action<IServiceCollection>> _serviceRegistrations = new();
    private readonly List<Scheduling.StaticSchedule> _schedules = new();

    public void Register(WorkflowDescriptor workflow)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        lock (_gate)
        {
            if (_byQualifiedName.TryGetValue(workflow.QualifiedName, out var existing))
            {
                if (ReferenceEquals(existing, workflow))
                {
                    return;
                }

                throw new InvalidOperationException(
                    $"Two workflows are registered with class name '{workflow.ClassName}' and workflow name '{workflow.Name}': one in " +
                    $"{DeclaringClass(existing)}, one in {DeclaringClass(workflow)}. Recovery and DBOS clients find a workflow's code by " +
                    "these two names, so each pair must be unique: give one class its own stored name with [WorkflowClass(Name = \"...\")], " +
                    "or one workflow another [Workflow(Name = \"...\")] (analyzer DBOS016 reports this within one project).");
            }

            _byQualifiedName.Add(workflow.QualifiedName, workflow);
            if (!_byName.TryGetValue(workflow.Name, out var list))
            {
                _byName[workflow.Name] = list = new List<WorkflowDescriptor>();
            }

            list.Add(workflow);
        }
    }

    /// <summary>The class whose generated code made the descriptor (its invoker is a lambda nested in it), for messages.</summary>
    private static string DeclaringClass(WorkflowDescriptor workflow)
    {
        for (var type = workflow.Invoke.Method.DeclaringType; type is not null; type = type.DeclaringType)
        {
            if (type.Name != "__Dbos" && !type.IsDefined(typeof(CompilerGeneratedAttribute), inherit: false))
            {
                return type.FullName ?? type.Name;
            }
        }

        return "an unknown class";
    }

    /// <summary>Registers a <c>[Scheduled]</c> workflow (after its descriptor); the runtime checks and fires it at start.</summary>
    public void RegisterSchedule(Scheduling.StaticSchedule schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        lock (_gate)
        {
            if (!_schedules.Exists(s => ReferenceEquals(s.Workflow, schedule.Workflow)))
            {
                _schedules.Add(schedule);
            }
        }
    }

    /// <summary>The <c>[Scheduled]</c> workflows, by schedule (workflow) name.</summary>
    public IReadOnlyList<Scheduling.StaticSchedule> Schedules
    {
        get
        {
            lock (_gate)
            {
                return _schedules.OrderBy(s => s.Name, StringComparer.Ordinal).ToArray();
            }
        }
    }

    public void RegisterServices(Action<IServiceCollection> register)
    {
        ArgumentNullException.ThrowIfNull(register);
        lock (_gate)
        {
            _serviceRegistrations.Add(register);
        }
    }

    public void ApplyServiceRegistrations(IServiceCollection services)
    {
        Action<IServiceCollection>[] registrations;
        lock (_gate)
        {
            registrations = _serviceRegistrations.ToArray();
        }

        foreach (var register in registrations)
        {
            register(services);
        }
    }

    /// <summary>Finds a workflow as stored: by class and name, or by name alone when the class is not
    /// recorded (a DBOS client may leave it NULL) and the name is unique.</summary>
    public WorkflowDescriptor? Find(string? className, string? name)
    {
        if (name is null)
        {
            return null;
        }

        lock (_gate)
        {
            if (!string.IsNullOrEmpty(className) && _byQualifiedName.TryGetValue(className + "." + name, out var exact))
            {
                return exact;
            }

            return string.IsNullOrEmpty(className) && _byName.TryGetValue(name, out var list) && list.Count == 1 ? list[0] : null;
        }
    }

    public IReadOnlyList<WorkflowDescriptor> All
    {
        get
        {
            lock (_gate)
            {
                return _byQualifiedName.Values.ToArray();
            }
        }
    }

    /// <summary>DBOS computes the application version from the workflows' code: a change to any workflow makes a new version.</summary>
    public string ComputeApplicationVersion()
    {
        var text = new StringBuilder();
        foreach (var workflow in All.OrderBy(w => w.QualifiedName, StringComparer.Ordinal))
        {
            text.Append(workflow.QualifiedName).Append(':').Append(workflow.SourceHash).Append('\n');
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()));
        return Convert.ToHexStringLower(hash)[..32];
    }
}
