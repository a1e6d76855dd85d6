using System;
using System.Collections.Generic;
using System.Linq;

namespace Dbos;

public sealed partial class DbosOptions
{
    private WorkflowQueue[] _queues = [];
    private string[]? _listenQueues;

    /// <summary>The queues registered with <see cref="AddQueue"/>.</summary>
    public IReadOnlyList<WorkflowQueue> Queues => _queues;

    /// <summary>Registers a queue: this process may enqueue on it and, unless <see cref="ListenQueues"/> says otherwise, dequeues and
    /// runs its workflows within its limits. Its configuration is stored in the system database's <c>queues</c> table, where DBOS
    /// tools see it. The internal queue (<see cref="WorkflowQueue.InternalQueueName"/>) is always served and need not be added.</summary>
    /// <exception cref="ArgumentException">A limit is invalid, or another queue with the same name is registered.</exception>
    public DbosOptions AddQueue(WorkflowQueue queue)
    {
        ArgumentNullException.ThrowIfNull(queue);
        queue.Validate();
        if (queue.Name == WorkflowQueue.InternalQueueName)
        {
            throw new ArgumentException($"'{WorkflowQueue.InternalQueueName}' is DBOS's internal queue; it is always served and cannot be configured.", nameof(queue));
        }

        if (_queues.Any(q => q.Name == queue.Name))
        {
            throw new ArgumentException($"A queue named '{queue.Name}' is already registered.", nameof(queue));
        }

        _queues = [.. _queues, queue];
        return this;
    }

    /// <summary>Restricts the queues this process dequeues from to these names (each must be registered); null (the default) serves
    /// every registered queue. The internal queue is always served. Use it to dedicate worker processes to some queues.</summary>
    public IReadOnlyList<string>? ListenQueues
    {
        get => _listenQueues;
        set => _listenQueues = value?.ToArray();
    }
}
