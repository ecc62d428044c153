// Seeded random sequences of API calls with crashes (kill -9) and restarts in between: whatever the
// order, every resource settles, every one deletes, and nothing is left (ports, files, tags). Run one
// sequence again with ECL_LIFECYCLE_SEED=<seed> (the seed is in every failure message).
import {
  CreateCacheClusterCommand,
  CreateReplicationGroupCommand,
  CreateSnapshotCommand,
  DeleteCacheClusterCommand,
  DeleteReplicationGroupCommand,
  DeleteSnapshotCommand,
  DescribeCacheClustersCommand,
  DescribeReplicationGroupsCommand,
  DescribeSnapshotsCommand,
  IncreaseReplicaCountCommand,
  ModifyCacheClusterCommand,
  ModifyReplicationGroupCommand,
  RebootCacheClusterCommand,
  TestFailoverCommand,
  type CacheCluster,
  type ElastiCacheClient,
  type ReplicationGroup,
  type Snapshot,
} from '@aws-sdk/client-elasticache';
import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILD_TIMEOUT_MS, ensureBuilt } from '../support/built.ts';
import { startCli, stopped, type CliProcess } from '../support/crash.ts';
import { listening } from '../support/net.ts';

// Below Linux's ephemeral range and apart from the ranges other test files use.
const FROM = 23620;
const TO = 23699;
const ROUNDS = 3;
const OPS_PER_ROUND = 7;
/** Far beyond what settling takes even on a loaded machine: reaching it means a resource is stuck. */
const SETTLE_BOUND_MS = 60_000;

const SEED = Number(process.env.ECL_LIFECYCLE_SEED ?? Math.floor(Math.random() * 2 ** 31));
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecl-property-'));
let current: CliProcess | undefined;

beforeAll(ensureBuilt, BUILD_TIMEOUT_MS + 20_000);
afterAll(async () => {
  if (current) await stopped(current.child);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rand = random(SEED);
const pick = <T>(items: T[]): T | undefined => (items.length === 0 ? undefined : items[Math.floor(rand() * items.length)]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function fail(message: string): never {
  throw new Error(`[seed ${SEED}] ${message}`);
}

async function boot(): Promise<ElastiCacheClient> {
  // A step delay long enough for kills to land while steps are in flight.
  try {
    current = await startCli(['--data-dir', dataDir, '--node-port-range', `${FROM}-${TO}`, '--redis-default-port', '0', '--delay-ms', '150']);
  } catch (err) {
    fail(`the emulator did not start again: ${(err as Error).message}`);
  }
  return current.client;
}

async function crash(clean: boolean): Promise<void> {
  current!.client.destroy();
  await stopped(current!.child, clean ? 'SIGTERM' : 'SIGKILL');
  current = undefined;
}

interface World {
  clusters: CacheCluster[];
  groups: ReplicationGroup[];
  snapshots: Snapshot[];
}

async function look(client: ElastiCacheClient): Promise<World> {
  const [c, g, s] = await Promise.all([
    client.send(new DescribeCacheClustersCommand({ ShowCacheNodeInfo: true })),
    client.send(new DescribeReplicationGroupsCommand({})),
    client.send(new DescribeSnapshotsCommand({})),
  ]);
  return { clusters: c.CacheClusters ?? [], groups: g.ReplicationGroups ?? [], snapshots: s.Snapshots ?? [] };
}

// Where a resource rests: steady, or one of AWS's failure states (which only accept a delete).
const CLUSTER_RESTS = new Set(['available', 'create-failed', 'restore-failed', 'incompatible-network', 'incompatible-parameters']);
const GROUP_RESTS = new Set(['available', 'create-failed']);
const SNAPSHOT_RESTS = new Set(['available', 'failed']);

function restless(w: World): string[] {
  return [
    ...w.clusters.filter((c) => !CLUSTER_RESTS.has(c.CacheClusterStatus!)).map((c) => `cluster ${c.CacheClusterId} ${c.CacheClusterStatus}`),
    ...w.groups.filter((g) => !GROUP_RESTS.has(g.Status!)).map((g) => `group ${g.ReplicationGroupId} ${g.Status}`),
    ...w.snapshots.filter((s) => !SNAPSHOT_RESTS.has(s.SnapshotStatus!)).map((s) => `snapshot ${s.SnapshotName} ${s.SnapshotStatus}`),
  ];
}

/** Waits for every resource to rest; the bound only turns a stuck resource into a failure with its state. */
async function settled(client: ElastiCacheClient): Promise<World> {
  const deadline = Date.now() + SETTLE_BOUND_MS;
  for (;;) {
    const w = await look(client);
    const moving = restless(w);
    if (moving.length === 0) return w;
    if (Date.now() > deadline) fail(`stuck after a restart: ${moving.join(', ')}\n${current?.output().slice(-4000)}`);
    await sleep(100);
  }
}

/** Every port a resting world shows its clients, and every one of those answers; nothing else of ours listens. */
async function checkPorts(w: World): Promise<void> {
  const shown = new Set<number>();
  for (const c of w.clusters) {
    if (c.ConfigurationEndpoint?.Port) shown.add(c.ConfigurationEndpoint.Port);
    for (const n of c.CacheNodes ?? []) if (n.Endpoint?.Port) shown.add(n.Endpoint.Port);
  }
  for (const g of w.groups) {
    if (g.ConfigurationEndpoint?.Port) shown.add(g.ConfigurationEndpoint.Port);
    for (const ng of g.NodeGroups ?? []) {
      if (ng.PrimaryEndpoint?.Port) shown.add(ng.PrimaryEndpoint.Port);
      if (ng.ReaderEndpoint?.Port) shown.add(ng.ReaderEndpoint.Port);
    }
  }
  const open: number[] = [];
  for (let p = FROM; p <= TO; p++) if (await listening(p)) open.push(p);
  const leaked = open.filter((p) => !shown.has(p));
  const dead = [...shown].filter((p) => !open.includes(p));
  if (leaked.length > 0 || dead.length > 0) fail(`ports listening but shown by no resource: [${leaked}]; shown but not listening: [${dead}]`);
}

let serial = 0;
const fresh = (prefix: string) => `${prefix}${++serial}`;
const standalone = (w: World) => w.clusters.filter((c) => !c.ReplicationGroupId);

/** One random request; AWS faults (4xx) are answers too, since the state may refuse it. */
async function randomCall(client: ElastiCacheClient, w: World, log: string[]): Promise<void> {
  const redisClusters = standalone(w).filter((c) => c.Engine !== 'memcached');
  const memcached = standalone(w).filter((c) => c.Engine === 'memcached');
  const snapshot = pick(w.snapshots.filter((s) => s.SnapshotStatus === 'available'));
  const calls: [string, () => Promise<unknown> | undefined][] = [
    ['create redis cluster', () => client.send(new CreateCacheClusterCommand({ CacheClusterId: fresh('c'), Engine: 'redis', CacheNodeType: 'cache.t3.micro', Tags: [{ Key: 'p', Value: String(SEED) }] }))],
    ['create memcached cluster', () => client.send(new CreateCacheClusterCommand({ CacheClusterId: fresh('m'), Engine: 'memcached', CacheNodeType: 'cache.t3.micro', NumCacheNodes: 1 + Math.floor(rand() * 2) }))],
    ['create group', () => {
      const two = rand() < 0.6;
      return client.send(new CreateReplicationGroupCommand({
        ReplicationGroupId: fresh('g'), ReplicationGroupDescription: 'p', Engine: 'redis', CacheNodeType: 'cache.t3.micro',
        NumCacheClusters: two ? 2 : 1, AutomaticFailoverEnabled: two, SnapshotName: rand() < 0.5 ? snapshot?.SnapshotName : undefined, Tags: [{ Key: 'p', Value: 'g' }],
      }));
    }],
    ['create sharded group', () => client.send(new CreateReplicationGroupCommand({
      ReplicationGroupId: fresh('s'), ReplicationGroupDescription: 'p', Engine: 'redis', CacheNodeType: 'cache.t3.micro', ClusterMode: 'enabled', NumNodeGroups: 2, ReplicasPerNodeGroup: 0,
    }))],
    ['modify memcached', () => {
      const c = pick(memcached);
      return c && client.send(new ModifyCacheClusterCommand({ CacheClusterId: c.CacheClusterId, NumCacheNodes: c.NumCacheNodes === 1 ? 2 : 1, ApplyImmediately: true }));
    }],
    ['modify redis cluster', () => {
      const c = pick(redisClusters);
      return c && client.send(new ModifyCacheClusterCommand({ CacheClusterId: c.CacheClusterId, SnapshotRetentionLimit: Math.floor(rand() * 3), ApplyImmediately: true }));
    }],
    ['modify group', () => {
      const g = pick(w.groups);
      return g && client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: g.ReplicationGroupId, ReplicationGroupDescription: `d${serial}`, ApplyImmediately: true }));
    }],
    ['add a replica', () => {
      const g = pick(w.groups.filter((x) => !x.ConfigurationEndpoint));
      return g && client.send(new IncreaseReplicaCountCommand({ ReplicationGroupId: g.ReplicationGroupId, NewReplicaCount: (g.MemberClusters?.length ?? 1), ApplyImmediately: true }));
    }],
    ['snapshot cluster', () => {
      const c = pick(redisClusters);
      return c && client.send(new CreateSnapshotCommand({ CacheClusterId: c.CacheClusterId, SnapshotName: fresh('snap') }));
    }],
    ['snapshot group', () => {
      const g = pick(w.groups);
      return g && client.send(new CreateSnapshotCommand({ ReplicationGroupId: g.ReplicationGroupId, SnapshotName: fresh('gsnap') }));
    }],
    ['failover', () => {
      const g = pick(w.groups);
      return g && client.send(new TestFailoverCommand({ ReplicationGroupId: g.ReplicationGroupId, NodeGroupId: g.NodeGroups?.[0]?.NodeGroupId ?? '0001' }));
    }],
    ['reboot', () => {
      const c = pick(standalone(w));
      return c && client.send(new RebootCacheClusterCommand({ CacheClusterId: c.CacheClusterId, CacheNodeIdsToReboot: (c.CacheNodes ?? []).map((n) => n.CacheNodeId!) }));
    }],
    ['delete cluster', () => {
      const c = pick(standalone(w));
      return c && client.send(new DeleteCacheClusterCommand({ CacheClusterId: c.CacheClusterId }));
    }],
    ['delete group', () => {
      const g = pick(w.groups);
      return g && client.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: g.ReplicationGroupId }));
    }],
    ['delete snapshot', () => {
      const s = pick(w.snapshots);
      return s && client.send(new DeleteSnapshotCommand({ SnapshotName: s.SnapshotName }));
    }],
  ];
  // Few resources: mostly create; many: mostly change or delete, so the world stays small.
  const count = w.clusters.length + w.groups.length;
  const eligible = count < 3 ? calls.slice(0, 4) : count > 8 ? calls.slice(4) : calls;
  const [name, call] = pick(eligible)!;
  try {
    await call();
    log.push(name);
  } catch (err) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === undefined || status >= 500) fail(`${name} failed outside the API's faults: ${String(err)}\nafter: ${log.join(' | ')}`);
    log.push(`${name} refused (${(err as Error).name})`);
  }
}

async function deleteEverything(client: ElastiCacheClient, w: World): Promise<void> {
  const refusedUnlessGone = async (send: () => Promise<unknown>) => {
    try {
      await send();
    } catch (err) {
      // Already being deleted, or gone with its group: what is left is checked by the next look.
      if (!/NotFound|InvalidCacheClusterState|InvalidReplicationGroupState|InvalidSnapshotState/.test((err as Error).name)) throw err;
    }
  };
  for (const s of w.snapshots) await refusedUnlessGone(() => client.send(new DeleteSnapshotCommand({ SnapshotName: s.SnapshotName })));
  for (const g of w.groups) if (g.Status !== 'deleting') await refusedUnlessGone(() => client.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: g.ReplicationGroupId })));
  for (const c of standalone(w)) if (c.CacheClusterStatus !== 'deleting') await refusedUnlessGone(() => client.send(new DeleteCacheClusterCommand({ CacheClusterId: c.CacheClusterId })));
}

describe('random API calls, crashes and restarts', () => {
  it('leave every resource settled and deletable, and nothing behind', async () => {
    const log: string[] = [];
    try {
      await scenario(log);
    } catch (err) {
      // Whatever went wrong (a refusal to start, a request never answered), with what led there.
      const message = (err as Error).message;
      if (message.startsWith('[seed')) throw err;
      fail(`${message}\nafter: ${log.join(' | ')}\n${current?.output().slice(-4000) ?? ''}`);
    }
  }, 240_000);
});

/** The random sequence itself: rounds of calls each ended by a crash, then deleting everything. */
async function scenario(log: string[]): Promise<void> {
  let client = await boot();
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < OPS_PER_ROUND; i++) {
      await randomCall(client, await look(client), log);
      if (rand() < 0.5) await sleep(Math.floor(rand() * 200));
    }
    // The crash lands while steps are in flight, at a different point each round.
    await sleep(Math.floor(rand() * 400));
    const clean = rand() < 0.25;
    log.push(clean ? 'SIGTERM' : 'kill -9');
    await crash(clean);
    client = await boot();
    const w = await settled(client);
    await checkPorts(w);
  }

  // Deleting everything, with a crash in the middle of that too.
  await deleteEverything(client, await settled(client));
  await sleep(Math.floor(rand() * 300));
  await crash(false);
  client = await boot();
  const deadline = Date.now() + SETTLE_BOUND_MS;
  for (;;) {
    const w = await look(client);
    if (w.clusters.length + w.groups.length + w.snapshots.length === 0) break;
    if (Date.now() > deadline) fail(`not deleted: ${[...w.clusters.map((c) => `${c.CacheClusterId} ${c.CacheClusterStatus}`), ...w.groups.map((g) => `${g.ReplicationGroupId} ${g.Status}`), ...w.snapshots.map((s) => s.SnapshotName)].join(', ')}`);
    if (restless(w).every((r) => r.endsWith(' deleting'))) await deleteEverything(client, w);
    await sleep(100);
  }
  await crash(false);

  for (let p = FROM; p <= TO; p++) if (await listening(p)) fail(`port ${p} still listening\nafter: ${log.join(' | ')}`);
  const db = new Database(path.join(dataDir, 'elasticache-local.sqlite'), { readonly: true });
  try {
    const tags = (db.prepare('SELECT COUNT(*) AS n FROM tags').get() as { n: number }).n;
    const rows = db.prepare('SELECT kind, id FROM resources WHERE kind IN (?, ?, ?)').all('cluster', 'replication-group', 'snapshot');
    expect({ seed: SEED, tags, rows }).toEqual({ seed: SEED, tags: 0, rows: [] });
  } finally {
    db.close();
  }
  const files = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((f) => f.isFile()).map((f) => f.name) : []);
  expect({ seed: SEED, files: [...files(path.join(dataDir, 'nodes')), ...files(path.join(dataDir, 'snapshots'))] }).toEqual({ seed: SEED, files: [] });
}
