// redis-benchmark against our engine and real redis-server in the same run, at -P 1 and -P 16, where an
// application meets it: a bare node and a primary with two replicas (real redis-server then also runs with
// two replicas of its own); on request a replication group's node port and its primary endpoint.
// BENCH_REDIS_TESTS, BENCH_REDIS_TARGETS (comma lists) and BENCH_REDIS_REQUESTS narrow a run.
import type { ChildProcess } from 'node:child_process';
import { CreateReplicationGroupCommand, DescribeReplicationGroupsCommand, ElastiCacheClient, waitUntilReplicationGroupAvailable } from '@aws-sdk/client-elasticache';
import { awaitReplicas, firstRate, markdownTable, redisBenchmark, startOurNode, startProcessMatch, startRealNode, stop } from './redis-servers.ts';

const TESTS = (process.env.BENCH_REDIS_TESTS ?? 'set,get,incr,lpush,lpop,sadd,hset,zadd,mset').split(',');
/**
 * Requests per timed run: at -P 1 a run of 100k lasts about a second; at -P 16 100k lasted 0.1-0.2 s and swung
 * most, so it gets more. BENCH_REDIS_REQUESTS sets both.
 */
export function requestsAt(pipeline: number): number {
  const set = process.env.BENCH_REDIS_REQUESTS;
  if (set !== undefined) return Number(set);
  return pipeline === 1 ? 100_000 : 300_000;
}
const PIPELINES = [1, 16];
/** Each figure alternates between the servers and keeps the best of REPEATS, so load from other processes on the machine hits both sides alike. */
const REPEATS = 2;
const TARGETS = ['bare node', 'group node port', 'primary endpoint', 'primary + 2 replicas'] as const;
type TargetName = (typeof TARGETS)[number];
/**
 * What a whole `npm run bench` measures here. The group's node port and primary endpoint next to redis-server
 * (BENCH_REDIS_TARGETS adds them) took half of a 14-minute section under load and add little: the targets
 * table has the endpoints next to their node port and the bare node next to redis-server, in the same run.
 */
const DEFAULT_TARGETS: TargetName[] = ['bare node', 'primary + 2 replicas'];

interface Target {
  name: TargetName;
  ours: number;
  real: number;
}

/** The emulator in its own process (the load generator blocks this one while it runs) and a client of its API. */
export async function startEmulatorChild(): Promise<{ child: ChildProcess; client: ElastiCacheClient }> {
  const [child, m] = await startProcessMatch(process.execPath, ['bin/run-ts.mjs', 'bench/emulator-process.ts'], /listening on (http:\/\/\S+)/);
  const client = new ElastiCacheClient({ endpoint: m[1], region: 'us-east-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } });
  return { child, client };
}

/**
 * A Node server compiles a command's path during its first few hundred thousand requests (server CPU per
 * LPUSH -P 16 fell from 1.6 to 0.6 us over the first 300k), and a figure is meant to be the served rate, not
 * the compiler's. So before its first figure of a test, each port gets WARM_UP untimed requests of it at -P 16
 * (the fastest way to serve them; the compiled path is the same at -P 1), once: later figures of the same test
 * on the same server (the other pipeline depth, another target's reference) find it warm. redis-server gets
 * the same requests, so both sides hold the same data.
 */
export const WARM_UP = Number(process.env.BENCH_WARM_UP ?? 300_000);
const warmed = new Set<string>();
function warmUp(port: number, args: string[]): void {
  const key = `${port} ${args.join(' ')}`;
  if (warmed.has(key)) return;
  warmed.add(key);
  redisBenchmark(port, 16, WARM_UP, args);
}

/** Best of REPEATS runs of one redis-benchmark test on each port, alternating, so load from other processes hits both alike. */
export function bestRates(ours: number, reference: number, pipeline: number, args: string[], requests = requestsAt(pipeline)): [number, number] {
  let bestOurs = 0;
  let bestReference = 0;
  warmUp(ours, args);
  warmUp(reference, args);
  for (let i = 0; i < REPEATS; i++) {
    bestOurs = Math.max(bestOurs, firstRate(redisBenchmark(ours, pipeline, requests, args)));
    bestReference = Math.max(bestReference, firstRate(redisBenchmark(reference, pipeline, requests, args)));
  }
  return [bestOurs, bestReference];
}

/**
 * A bare node of ours next to a lone redis-server: the targets table's engine rows and this file's bare-node
 * rows are the same figures, measured once per `npm run bench`.
 */
const bareNodeFigures = new Map<string, [number, number]>();
export function bareNodeRates(ours: number, reference: number, pipeline: number, test: string): [number, number] {
  const key = `${test} -P ${pipeline}`;
  let rates = bareNodeFigures.get(key);
  if (rates === undefined) {
    rates = bestRates(ours, reference, pipeline, ['-t', test]);
    bareNodeFigures.set(key, rates);
  }
  return rates;
}

/** The group's ports: the primary's node port and its primary endpoint. */
export async function groupPorts(client: ElastiCacheClient, id: string, nodes: number): Promise<{ node: number; endpoint: number }> {
  await client.send(new CreateReplicationGroupCommand({ ReplicationGroupId: id, ReplicationGroupDescription: 'bench', Engine: 'redis', CacheNodeType: 'cache.m5.large', NumCacheClusters: nodes }));
  await waitUntilReplicationGroupAvailable({ client, minDelay: 1, maxDelay: 1, maxWaitTime: 120 }, { ReplicationGroupId: id });
  const g = (await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }))).ReplicationGroups?.[0];
  const ng = g?.NodeGroups?.[0];
  const primary = ng?.NodeGroupMembers?.find((m) => m.CurrentRole === 'primary');
  const node = primary?.ReadEndpoint?.Port;
  const endpoint = ng?.PrimaryEndpoint?.Port;
  if (node === undefined || endpoint === undefined) throw new Error(`group ${id} has no endpoints`);
  return { node, endpoint };
}

export async function benchRedis(): Promise<string> {
  const wanted = new Set(process.env.BENCH_REDIS_TARGETS?.split(',') ?? DEFAULT_TARGETS);
  const children: ChildProcess[] = [];
  const targets: Target[] = [];
  try {
    const realLone = await startRealNode();
    children.push(realLone.child);
    if (wanted.has('bare node')) {
      const ours = await startOurNode();
      children.push(ours.child);
      targets.push({ name: 'bare node', ours: ours.port, real: realLone.port });
    }
    const needGroups = TARGETS.slice(1).some((t) => wanted.has(t));
    if (needGroups) {
      const { child: emulator, client } = await startEmulatorChild();
      children.push(emulator);
      try {
        if (wanted.has('group node port') || wanted.has('primary endpoint')) {
          const solo = await groupPorts(client, 'bench-solo', 1);
          if (wanted.has('group node port')) targets.push({ name: 'group node port', ours: solo.node, real: realLone.port });
          if (wanted.has('primary endpoint')) targets.push({ name: 'primary endpoint', ours: solo.endpoint, real: realLone.port });
        }
        if (wanted.has('primary + 2 replicas')) {
          const trio = await groupPorts(client, 'bench-trio', 3);
          const realPrimary = await startRealNode();
          children.push(realPrimary.child);
          for (let i = 0; i < 2; i++) children.push((await startRealNode(realPrimary.port)).child);
          await awaitReplicas(realPrimary.port, 2);
          targets.push({ name: 'primary + 2 replicas', ours: trio.node, real: realPrimary.port });
        }
      } finally {
        client.destroy();
      }
    }
    const rows: string[][] = [];
    for (const pipeline of PIPELINES) {
      for (const test of TESTS) {
        for (const t of targets) {
          const [bestOurs, bestReal] = t.name === 'bare node' ? bareNodeRates(t.ours, t.real, pipeline, test) : bestRates(t.ours, t.real, pipeline, ['-t', test]);
          rows.push([test.toUpperCase(), String(pipeline), t.name, bestOurs.toFixed(0), bestReal.toFixed(0), `${(bestOurs / bestReal).toFixed(2)}x`]);
          // A full run takes minutes on a loaded machine: show each figure as it comes.
          process.stderr.write(`${new Date().toISOString().slice(11, 19)}\t${(rows.at(-1) as string[]).join('\t')}\n`);
        }
      }
    }
    return `### redis-benchmark -c 50 -n ${requestsAt(1)} at -P 1 and ${requestsAt(16)} at -P 16, best of ${REPEATS} alternating runs, each server warmed by ${WARM_UP} untimed requests of each test first (req/s)\n\n${markdownTable(['test', '-P', 'where', 'ours', 'redis-server', 'ratio'], rows)}`;
  } finally {
    for (const c of children.reverse()) await stop(c);
  }
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (invokedDirectly) {
  benchRedis().then(
    (t) => console.log(t),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
