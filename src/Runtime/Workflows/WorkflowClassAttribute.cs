using System;

namespace Dbos;

/// <summary>
/// Sets the class name stored with this class's workflows (<c>class_name</c>, by which DBOS clients and recovery
/// address them). Without it the stored name is the simple class name, so two classes named alike in different
/// namespaces would share their workflows' names; analyzer DBOS016 reports that. Changing the name is a breaking
/// change for workflows that are in flight, as renaming the class would be.
/// </summary>
/// <example><c>[WorkflowClass(Name = "billing.Orders")] public partial class Orders { ... }</c></example>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
public sealed class WorkflowClassAttribute : Attribute
{
    /// <summary>The class name stored with the workflows of this class; defaults to the simple class name.</summary>
    public string? Name { get; set; }
}
