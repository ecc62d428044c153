// A redis-server 7.0 cluster for differential tests: one primary per shard with its replicas, the slots split
// evenly in order (two shards: 0-8191 and 8192-16383, as a two-shard group of ours), formed with CLUSTER MEET /
// REPLICATE and returned once every node sees the cluster ok and every replica is in sync.
import { RawClient, startRealRedis, type RealRedis } from './helpers.ts';

export interface RealShard {
  primary: RealRedis;
  replicas: RealRedis[];
}

export interface RealCluster {
  shards: RealShard[];
  /** CLUSTER FAILOVER on the shard's first replica; resolves once every node sees it as the shard's primary. */
  failover(shard: number): Promise<void>;
  stop(): Promise<void>;
}

async function until(what: string, check: () => Promise<boolean>, ms = 15000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function myId(c: RawClient): Promise<string> {
  return (await c.call('CLUSTER', 'MYID')).split('\r\n')[1]!;
}

/** Every node knows every other, none is in handshake, the state is ok and `replicas` nodes are replicas. */
async function formed(clients: RawClient[], replicas: number): Promise<void> {
  for (const c of clients) {
    await until('the cluster to be ok', async () => {
      const [info, nodes] = [await c.call('CLUSTER', 'INFO'), await c.call('CLUSTER', 'NODES')];
      return info.includes('cluster_state:ok') && !nodes.includes('handshake') && (nodes.match(/[ ,]slave /g) ?? []).length === replicas;
    });
  }
}

/** Slots, MEET, REPLICATE, then waits until the cluster is whole and every replica is in sync and listed. */
async function form(shards: RealShard[], servers: RealRedis[], total: number): Promise<void> {
  const clients = await Promise.all(servers.map((s) => RawClient.connect(s.port)));
  const client = (s: RealRedis) => clients[servers.findIndex((x) => x === s)]!;
  try {
    const per = Math.ceil(16384 / shards.length);
    for (const [i, s] of shards.entries()) await client(s.primary).call('CLUSTER', 'ADDSLOTSRANGE', String(i * per), String(Math.min(16383, (i + 1) * per - 1)));
    for (const s of servers.slice(1)) await clients[0]!.call('CLUSTER', 'MEET', '127.0.0.1', String(s.port));
    for (const s of shards) {
      const id = await myId(client(s.primary));
      for (const r of s.replicas) {
        await until('the replica to learn of its primary', async () => (await client(r).call('CLUSTER', 'NODES')).includes(id));
        await client(r).call('CLUSTER', 'REPLICATE', id);
      }
    }
    await formed(clients, total);
    const replicas = shards.flatMap((s) => s.replicas);
    for (const r of replicas) {
      await until('the replica to sync', async () => (await client(r).call('INFO', 'replication')).includes('master_link_status:up'));
    }
    // CLUSTER SLOTS leaves out a replica until the node has heard (by gossip) of a replication offset from it:
    // a client reading the map before then would see shards without replicas. A replica of a primary nobody
    // wrote to has offset 0 until the primary's first replication PING (repl-ping-replica-period, 10 s): a
    // FLUSHALL of the empty primary is propagated and gives it an offset at once.
    for (const s of shards) if (s.replicas.length > 0) await client(s.primary).call('FLUSHALL');
    for (const c of clients) {
      await until('every replica in CLUSTER SLOTS', async () => {
        const slots = await c.call('CLUSTER', 'SLOTS');
        return replicas.every((r) => slots.includes(`:${r.port}\r\n`));
      });
    }
  } finally {
    for (const c of clients) c.close();
  }
}

/** `replicasPerShard[i]` replicas for shard i. */
export async function startRealCluster(replicasPerShard: number[]): Promise<RealCluster> {
  const shards = await Promise.all(
    replicasPerShard.map(async (n) => {
      // A replica's first sync starts at once instead of after 7.0's 5 s diskless delay (form waits for it).
      const [primary, ...replicas] = await Promise.all(Array.from({ length: n + 1 }, () => startRealRedis(['--cluster-enabled', 'yes', '--repl-diskless-sync-delay', '0'])));
      return { primary: primary!, replicas };
    }),
  );
  const servers = shards.flatMap((s) => [s.primary, ...s.replicas]);
  const total = replicasPerShard.reduce((a, b) => a + b, 0);
  const stop = async () => void (await Promise.all(servers.map((s) => s.stop())));
  // A cluster that does not form is stopped here: the caller never gets it to stop.
  await form(shards, servers, total).catch(async (e: unknown) => {
    await stop();
    throw e;
  });
  return {
    shards,
    failover: async (shard) => {
      const replica = shards[shard]!.replicas[0]!;
      const all = await Promise.all(servers.map((s) => RawClient.connect(s.port)));
      try {
        const c = all[servers.indexOf(replica)]!;
        const id = await myId(c);
        await c.call('CLUSTER', 'FAILOVER');
        for (const other of all) await until('every node to see the new primary', async () => new RegExp(`^${id} \\S+ (myself,)?master `, 'm').test(await other.call('CLUSTER', 'NODES')));
        await formed(all, total);
      } finally {
        for (const c of all) c.close();
      }
    },
    stop,
  };
}
