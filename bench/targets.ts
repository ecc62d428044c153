// Issue 12's targets in one table: each of our figures next to its reference measured in the same run
// (redis-server, our own node port or lone node, moto_server), the ratio, the goal and a verdict.
// BENCH_TARGETS (comma list of engine, endpoint, scripting, replication, isolation, startup) narrows a run.
import type { ChildProcess } from 'node:child_process';
import { CreateReplicationGroupCommand, DescribeCacheClustersCommand, DescribeReplicationGroupsCommand, type ElastiCacheClient, waitUntilReplicationGroupAvailable } from '@aws-sdk/client-elasticache';
import { p99, replicationRates, stallFigures, startupTimes } from './isolation.ts';
import { scriptingRates } from './scripting.ts';
import { bareNodeRates, bestRates, groupPorts, requestsAt, startEmulatorChild, WARM_UP } from './redis.ts';
import { markdownTable, startOurNode, startRealNode, stop } from './redis-servers.ts';

const ENGINE_TESTS = ['set', 'get', 'incr', 'lpush', 'hset', 'zadd'];

interface Row {
  target: string;
  what: string;
  ours: number;
  reference: number;
  referenceName: string;
  /**
   * The ratio ours/reference must reach (`atLeast`) or stay under (`atMost`, for times); or, for latencies,
   * ours may exceed the reference (the same probe with nothing running) by at most `overAtMost`.
   */
  goal: { atLeast: number } | { atMost: number } | { overAtMost: number };
  unit: string;
}

function verdict(r: Row): [string, string, string] {
  const ratio = r.ours / r.reference;
  if ('overAtMost' in r.goal) {
    const over = r.ours - r.reference;
    return [`${over >= 0 ? '+' : ''}${over.toFixed(1)} ${r.unit}`, `<= +${r.goal.overAtMost} ${r.unit}`, Number.isFinite(over) ? (over <= r.goal.overAtMost ? 'met' : 'not met') : 'not measured'];
  }
  const met = 'atLeast' in r.goal ? ratio >= r.goal.atLeast : ratio <= r.goal.atMost;
  const goal = 'atLeast' in r.goal ? `>= ${r.goal.atLeast}` : `<= ${r.goal.atMost}`;
  return [ratio.toFixed(3), goal, Number.isFinite(ratio) ? (met ? 'met' : 'not met') : 'not measured'];
}

async function engineRows(children: ChildProcess[]): Promise<Row[]> {
  const ours = await startOurNode();
  children.push(ours.child);
  const real = await startRealNode();
  children.push(real.child);
  const rows: Row[] = [];
  for (const [pipeline, goal] of [
    [1, 0.9],
    [16, 0.75],
  ] as const) {
    for (const test of ENGINE_TESTS) {
      const [o, r] = bareNodeRates(ours.port, real.port, pipeline, test);
      rows.push({ target: 'engine', what: `${test.toUpperCase()} -P ${pipeline}`, ours: o, reference: r, referenceName: 'redis-server', goal: { atLeast: goal }, unit: 'req/s' });
      progress(rows);
    }
  }
  return rows;
}

/** A group with cluster mode on and one shard (a primary and a replica): its configuration endpoint, and the port of the primary behind it. */
async function configurationPorts(client: ElastiCacheClient, id: string): Promise<{ node: number; endpoint: number }> {
  await client.send(new CreateReplicationGroupCommand({ ReplicationGroupId: id, ReplicationGroupDescription: 'bench', Engine: 'redis', CacheNodeType: 'cache.m5.large', NumNodeGroups: 1, ReplicasPerNodeGroup: 1, CacheParameterGroupName: 'default.redis7.cluster.on' }));
  await waitUntilReplicationGroupAvailable({ client, minDelay: 1, maxDelay: 1, maxWaitTime: 120 }, { ReplicationGroupId: id });
  const g = (await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }))).ReplicationGroups?.[0];
  const member = g?.MemberClusters?.find((m) => m.endsWith('-0001-001'));
  const cluster = member === undefined ? undefined : (await client.send(new DescribeCacheClustersCommand({ CacheClusterId: member, ShowCacheNodeInfo: true }))).CacheClusters?.[0];
  const node = cluster?.CacheNodes?.[0]?.Endpoint?.Port;
  const endpoint = g?.ConfigurationEndpoint?.Port;
  if (node === undefined || endpoint === undefined) throw new Error(`group ${id} has no configuration endpoint`);
  return { node, endpoint };
}

/** The reader endpoint of a group of two, and its replica's own port. */
async function readerPorts(client: ElastiCacheClient, id: string): Promise<{ node: number; endpoint: number }> {
  const g = (await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }))).ReplicationGroups?.[0];
  const ng = g?.NodeGroups?.[0];
  const node = ng?.NodeGroupMembers?.find((m) => m.CurrentRole === 'replica')?.ReadEndpoint?.Port;
  const endpoint = ng?.ReaderEndpoint?.Port;
  if (node === undefined || endpoint === undefined) throw new Error(`group ${id} has no reader endpoint`);
  return { node, endpoint };
}

/** Each endpoint next to the port of the node it hands its connections to, served by the same node in the same run. */
async function endpointRows(children: ChildProcess[]): Promise<Row[]> {
  const { child, client } = await startEmulatorChild();
  children.push(child);
  const rows: Row[] = [];
  try {
    const primary = await groupPorts(client, 'targets-endpoint', 2);
    const reader = await readerPorts(client, 'targets-endpoint');
    const configuration = await configurationPorts(client, 'targets-cluster');
    const cases: [string, { node: number; endpoint: number }, string[]][] = [
      ['primary endpoint', primary, ['set', 'get']],
      ['reader endpoint', reader, ['get']],
      ['configuration endpoint', configuration, ['set', 'get']],
    ];
    for (const pipeline of [1, 16]) {
      for (const [name, ports, tests] of cases) {
        for (const test of tests) {
          const [endpoint, node] = bestRates(ports.endpoint, ports.node, pipeline, ['-t', test]);
          rows.push({ target: name, what: `${test.toUpperCase()} -P ${pipeline}`, ours: endpoint, reference: node, referenceName: 'its node port', goal: { atLeast: 0.95 }, unit: 'req/s' });
          progress(rows);
        }
      }
    }
  } finally {
    client.destroy();
  }
  return rows;
}

async function replicationRows(): Promise<Row[]> {
  return (await replicationRates()).map((r) => ({
    target: 'primary + 2 replicas',
    what: `${r.name} into 1M elements`,
    ours: r.replicated,
    reference: r.lone,
    referenceName: 'lone node',
    goal: { atLeast: 0.8 },
    unit: 'ops/s',
  }));
}

/** Issue 9's scripting target: EVALSHA and FCALL of an INCR at -P 1, at least half redis-server's rate. */
async function scriptingRows(): Promise<Row[]> {
  return (await scriptingRates())
    .filter((r) => r.pipeline === 1)
    .map((r) => ({ target: 'scripting', what: `${r.name} INCR -P 1`, ours: r.ours, reference: r.real, referenceName: 'redis-server', goal: { atLeast: 0.5 }, unit: 'req/s' }));
}

/**
 * "No request on one node stalls other nodes or the API by more than a few milliseconds": another node's GET
 * p99 and the API's p99 while one node works, against the same probes with nothing running just before it.
 * A few ms is taken as 5.
 */
async function isolationRows(): Promise<Row[]> {
  const f = await stallFigures();
  const rows: Row[] = [];
  for (const { what, probe, idle } of f.cases) {
    rows.push({ target: 'isolation', what: `another node's GET p99: ${what}`, ours: p99(probe.get), reference: p99(idle.get), referenceName: 'idle, same probe', goal: { overAtMost: 5 }, unit: 'ms' });
    rows.push({ target: 'isolation', what: `API p99: ${what}`, ours: p99(probe.api), reference: p99(idle.api), referenceName: 'idle, same probe', goal: { overAtMost: 5 }, unit: 'ms' });
  }
  return rows;
}

async function startupRows(): Promise<Row[]> {
  const t = await startupTimes();
  const moto = t.moto ?? Number.NaN;
  return [
    { target: 'start-up', what: 'node bin, new data dir, to first signed answer', ours: t.fresh, reference: moto, referenceName: 'moto_server', goal: { atMost: 0.4 }, unit: 'ms' },
    { target: 'start-up', what: 'start() in-process, to first signed answer', ours: Math.min(...t.inProcess), reference: moto, referenceName: 'moto_server', goal: { atMost: 0.2 }, unit: 'ms' },
  ];
}

/** A full run takes minutes on a loaded machine: each figure is shown as it comes. */
function progress(rows: Row[]): void {
  const r = rows.at(-1) as Row;
  process.stderr.write(`${[new Date().toISOString().slice(11, 19), r.target, r.what, r.ours.toFixed(0), r.reference.toFixed(0), ...verdict(r)].join('\t')}\n`);
}

export async function benchTargets(): Promise<string> {
  const wanted = new Set(process.env.BENCH_TARGETS?.split(',') ?? ['engine', 'endpoint', 'scripting', 'replication', 'isolation', 'startup']);
  const children: ChildProcess[] = [];
  const rows: Row[] = [];
  try {
    // Each section's servers are stopped before the next, so none competes for the cores with another's figures.
    for (const [name, section] of [
      ['engine', engineRows],
      ['endpoint', endpointRows],
    ] as const) {
      if (wanted.has(name)) rows.push(...(await section(children)));
      for (const c of children.splice(0).reverse()) await stop(c);
    }
    for (const [name, section] of [
      ['scripting', scriptingRows],
      ['replication', replicationRows],
      ['isolation', isolationRows],
      ['startup', startupRows],
    ] as const) {
      if (!wanted.has(name)) continue;
      for (const row of await section()) {
        rows.push(row);
        progress(rows);
      }
    }
  } finally {
    for (const c of children.reverse()) await stop(c);
  }
  const cells = rows.map((r) => {
    const figure = (x: number) => (Number.isFinite(x) ? x.toFixed(r.unit === 'ms' && x < 100 ? 1 : 0) : '-');
    return [r.target, r.what, `${figure(r.ours)} ${r.unit}`, `${figure(r.reference)} ${r.unit}`, r.referenceName, ...verdict(r)];
  });
  const met = cells.filter((c) => c[7] === 'met').length;
  return `### Issue 12 and issue 9 (scripting) targets, ours next to the reference from the same run (redis-benchmark -c 50 -n ${requestsAt(1)} at -P 1 and ${requestsAt(16)} at -P 16, best of 2 alternating runs, each server warmed by ${WARM_UP} untimed requests of each test; ${met} of ${cells.length} met)\n\n${markdownTable(['target', 'what', 'ours', 'reference', 'reference is', 'ratio', 'goal', 'verdict'], cells)}`;
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (invokedDirectly) {
  benchTargets().then(
    (t) => {
      console.log(t);
      process.exit(0);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
