// The DBOS TypeScript side of tests/Interop: a launched DBOS app (TypeScript workflows) and a DBOSClient on the same
// system database as the C# runtime under test, driven by the C# tests over stdin/stdout.
//   DBOS_SYSTEM_DATABASE_URL=postgresql://... node peer.mjs
// Requests are JSON lines {"id":1,"op":"...", ...}; each answer is one line "@@" + {"id":1,"ok":true,"value":...}
// or {"id":1,"ok":false,"error":...}. Values cross as tagged JSON, so the C# side sees the JavaScript types DBOS gave:
// {"$date":iso}, {"$bigint":"digits"}, {"$map":[[k,v]]}, {"$set":[...]}, {"$undefined":true}, {"$number":"NaN"},
// {"$error":{"class","name","message","code","data"}}. Closing stdin shuts DBOS down.
import { DBOS, DBOSClient } from '@dbos-inc/dbos-sdk';
import readline from 'node:readline';

const systemDatabaseUrl = process.env.DBOS_SYSTEM_DATABASE_URL;
if (!systemDatabaseUrl) {
  console.error('peer.mjs: set DBOS_SYSTEM_DATABASE_URL');
  process.exit(2);
}
// The executor ID keeps this app's recovery away from the C# runtime's workflows (both default to 'local').
// enablePatching allows DBOS.patch (and pins this app's version to PATCHING_ENABLED); schedules are read every second
// (DBOS's default is 30 s), so a schedule created by a test fires within the test.
DBOS.setConfig({ name: 'interop-peer', systemDatabaseUrl, executorID: 'ts-interop-peer', logLevel: 'error', enablePatching: true, schedulerPollingIntervalMs: 1000 });

function encode(v) {
  if (v === undefined) return { $undefined: true };
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) && !Object.is(v, -0) ? v : { $number: Object.is(v, -0) ? '-0' : String(v) };
  if (typeof v === 'bigint') return { $bigint: v.toString() };
  if (v instanceof Date) return { $date: v.toISOString() };
  if (v instanceof Map) return { $map: [...v.entries()].map(([k, x]) => [encode(k), encode(x)]) };
  if (v instanceof Set) return { $set: [...v].map(encode) };
  if (v instanceof Error) {
    return { $error: { class: v.constructor?.name ?? 'Error', name: v.name, message: v.message, code: encode(v.code), data: encode(v.data) } };
  }
  if (Array.isArray(v)) return v.map(encode);
  if (typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encode(x)]));
  return { $other: String(v) };
}

function decode(v) {
  if (Array.isArray(v)) return v.map(decode);
  if (v === null || typeof v !== 'object') return v;
  if ('$date' in v) return new Date(v.$date);
  if ('$bigint' in v) return BigInt(v.$bigint);
  if ('$map' in v) return new Map(v.$map.map(([k, x]) => [decode(k), decode(x)]));
  if ('$set' in v) return new Set(v.$set.map(decode));
  if ('$undefined' in v) return undefined;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decode(x)]));
}

// A value with the JavaScript-only types superjson exists for; the C# tests read it as InteropWorkflows.Tally.
const tally = () => ({ when: new Date(86400000), total: 10n, tags: new Set(['a', 'b']), scores: new Map([['x', 1.5]]), note: undefined, name: 'ts' });

async function double(x) {
  return x * 2;
}

async function collect(topic, count) {
  const received = [];
  for (let i = 0; i < count; i++) received.push(await DBOS.recv(topic ?? undefined, 30));
  return received;
}

// Twins of the C# workflows in InteropWorkflows.cs (same names of steps, same order of durable calls), and workflows
// that write every kind of value with DBOS TypeScript's default serializer.
const workflows = {
  tsGreet: DBOS.registerWorkflow(async (name) => ({ greeting: `hello ${name}`, n: 3 }), { name: 'tsGreet', serialization: 'portable' }),
  tsFailPortable: DBOS.registerWorkflow(async (message) => {
    throw new Error(message);
  }, { name: 'tsFailPortable', serialization: 'portable' }),
  tsPublish: DBOS.registerWorkflow(async (value) => {
    await DBOS.setEvent('status', value, { serializationType: 'portable' });
    return 'published';
  }, { name: 'tsPublish', serialization: 'portable' }),
  tsCollect: DBOS.registerWorkflow(collect, { name: 'tsCollect' }),
  tsOrchestrate: DBOS.registerWorkflow(async () => {
    const x = await DBOS.runStep(() => double(21), { name: 'Double' });
    await DBOS.send(DBOS.workflowID, 'hi', 'ping');
    const reply = await DBOS.recv('reply', 30);
    await DBOS.setEvent('done', x);
    await DBOS.sleep(10);
    return `${reply}:${x}`;
  }, { name: 'tsOrchestrate' }),
  tsReturnsTally: DBOS.registerWorkflow(async () => tally(), { name: 'tsReturnsTally' }),
  tsThrows: DBOS.registerWorkflow(async (message) => {
    throw new RangeError(message);
  }, { name: 'tsThrows' }),
  tsPublishTally: DBOS.registerWorkflow(async () => {
    await DBOS.setEvent('tally', tally());
    await DBOS.setEvent('plain', 'text');
    return 'published';
  }, { name: 'tsPublishTally' }),
  tsPatched: DBOS.registerWorkflow(async () => {
    const x = await DBOS.runStep(() => double(1), { name: 'Double' });
    const patched = await DBOS.patch('shared-pricing');
    const kept = await DBOS.deprecatePatch('retired-pricing');
    return `${x}:${patched}:${kept}`;
  }, { name: 'tsPatched' }),
  // Run by a schedule: gets the tick and the schedule's context, as every DBOS schedule's workflow does.
  tsScheduled: DBOS.registerWorkflow(async (scheduledTime, context) => `${context}@${scheduledTime.toISOString()}`, { name: 'tsScheduled' }),
  tsSends: DBOS.registerWorkflow(async (destination) => {
    await DBOS.send(destination, tally(), 'tally');
    await DBOS.send(destination, 'plain');
    return 'sent';
  }, { name: 'tsSends' }),
};

await DBOS.launch();
const client = await DBOSClient.create({ systemDatabaseUrl });

const ops = {
  ping: async () => 'pong',
  start: async ({ workflow, workflowId, args }) => {
    const handle = await DBOS.startWorkflow(workflows[workflow], { workflowID: workflowId })(...decode(args ?? []));
    return handle.workflowID;
  },
  // Enqueue by name, as a TypeScript process that does not have the workflow's code does: DBOS's default serializer, or portable.
  clientEnqueue: async ({ options, args, portable }) =>
    (portable ? await client.enqueuePortable(options, args) : await client.enqueue(options, ...args)).workflowID,
  clientListWorkflows: async ({ input }) => await client.listWorkflows(input ?? {}),
  clientGetWorkflow: async ({ workflowId }) => await client.getWorkflow(workflowId),
  clientGetStatus: async ({ workflowId }) => await client.retrieveWorkflow(workflowId).getStatus(),
  clientGetResult: async ({ workflowId }) => await client.retrieveWorkflow(workflowId).getResult(),
  clientListSteps: async ({ workflowId }) => await client.listWorkflowSteps(workflowId),
  clientSend: async ({ destination, message, topic, idempotencyKey, serializationType }) =>
    await client.send(destination, decode(message), topic ?? undefined, idempotencyKey ?? undefined, serializationType ? { serializationType } : undefined),
  clientSendMany: async ({ destination, messages, topic }) => {
    for (const m of messages) await client.send(destination, decode(m), topic ?? undefined);
  },
  clientGetEvent: async ({ workflowId, key, timeoutSeconds }) => await client.getEvent(workflowId, key, timeoutSeconds ?? 30),
  clientCancel: async ({ workflowId }) => await client.cancelWorkflow(workflowId),
  clientResume: async ({ workflowId }) => (await client.resumeWorkflow(workflowId)).workflowID,
  clientCreateSchedule: async ({ scheduleName, workflowName, workflowClassName, schedule, context, applicationName }) =>
    await client.createSchedule({ scheduleName, workflowName, workflowClassName: workflowClassName ?? undefined, schedule, context: decode(context), applicationName }),
  clientGetSchedule: async ({ scheduleName }) => await client.getSchedule(scheduleName),
  clientDeleteSchedule: async ({ scheduleName }) => await client.deleteSchedule(scheduleName),
  clientFork: async ({ workflowId, startStep, newWorkflowID }) => await client.forkWorkflow(workflowId, startStep, { newWorkflowID }),
  // A queue only this app serves (the C# runtime serves its own queues and the internal one): the C# DbosClient enqueues into it.
  registerQueue: async ({ name }) => (await DBOS.registerQueue(name)).name,
};

const answer = (reply) => process.stdout.write('@@' + JSON.stringify(reply) + '\n');
answer({ id: 0, ok: true, value: 'ready' });

const lines = readline.createInterface({ input: process.stdin });
const inFlight = new Set();
lines.on('line', (line) => {
  if (!line.trim()) return;
  const request = JSON.parse(line);
  const work = (async () => {
    try {
      const op = ops[request.op];
      if (!op) throw new Error(`peer.mjs: unknown op ${request.op}`);
      answer({ id: request.id, ok: true, value: encode(await op(request)) });
    } catch (e) {
      answer({ id: request.id, ok: false, error: encode(e) });
    }
  })();
  inFlight.add(work);
  work.finally(() => inFlight.delete(work));
});
lines.on('close', async () => {
  await Promise.allSettled([...inFlight]);
  await client.destroy();
  await DBOS.shutdown();
  process.exit(0);
});
