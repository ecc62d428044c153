// The engine's own CPU cost per command, without sockets: pipelined batches of redis-benchmark's
// commands fed straight into a client, replies taken as a flush would. CPU time (not wall time) is
// what it reports, so a busy machine skews it far less than redis-benchmark's figures. Shown for a
// bare node, a replication group's node (maxmemory set: checked before every write) and such a node
// with two replicas applying every write on the same thread, and with two replicas in other threads (what
// the primary pays to post the stream; the far ends are left unread so their work is not counted).
import { discardingConn } from '../engines/redis/client.ts';
import { createRedisServer, type RedisServerWithEngine } from '../engines/redis/index.ts';
import { markdownTable } from './redis-servers.ts';
import { MessageChannel, type MessagePort } from 'node:worker_threads';

const PIPELINE = 16;
const COMMANDS = 200_000;
/** It counts CPU time, which load from other processes inflates far less than a rate: three rounds, not five. */
const ROUNDS = 3;

const COMMAND_OF: Record<string, string[]> = {
  SET: ['SET', 'key:__rand_int__', 'xxx'],
  GET: ['GET', 'key:__rand_int__'],
  INCR: ['INCR', 'counter:__rand_int__'],
  LPUSH: ['LPUSH', 'mylist', 'xxx'],
  HSET: ['HSET', 'myhash', 'element:__rand_int__', 'xxx'],
  ZADD: ['ZADD', 'myzset', '0', 'element:__rand_int__'],
};

const sink = discardingConn('127.0.0.1:1', '127.0.0.1:2');

function encode(args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${a.length}\r\n${a}\r\n`).join('')}`;
}

/** Nanoseconds of CPU per command, best of `rounds` after a warm-up round. */
async function nsPerCommand(primary: RedisServerWithEngine, args: string[], rounds = ROUNDS): Promise<number> {
  const e = primary.engine;
  const c = e.addClient(sink);
  if (c === null) throw new Error('client refused');
  const chunk = Buffer.from(encode(args).repeat(PIPELINE), 'latin1');
  let best = Infinity;
  for (let round = 0; round <= rounds; round++) {
    const t0 = process.cpuUsage();
    for (let i = 0; i < COMMANDS / PIPELINE; i++) {
      e.onData(c, chunk);
      e.flushDirty();
      // A turn of the event loop per batch, as with a socket: what is shipped per turn is counted too.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const used = process.cpuUsage(t0);
    if (round > 0) best = Math.min(best, ((used.user + used.system) * 1000) / COMMANDS);
  }
  e.closeClient(c, true);
  return best;
}

const stopAfter = new Map<RedisServerWithEngine, () => void>();

export async function benchRedisCpu(): Promise<string> {
  const setups: [string, () => RedisServerWithEngine[]][] = [
    ['bare node', () => [createRedisServer({ port: 0 })]],
    ['group node', () => [createRedisServer({ port: 0, mode: 'node', maxmemory: 6 * 2 ** 30 })]],
    [
      'group node + 2 replicas',
      () => {
        const servers = [0, 1, 2].map(() => createRedisServer({ port: 0, mode: 'node', maxmemory: 6 * 2 ** 30 }));
        for (const r of servers.slice(1)) r.replicaOf(servers[0] as RedisServerWithEngine);
        return servers;
      },
    ],
    [
      'group node + 2 replicas in threads',
      () => {
        const primary = createRedisServer({ port: 0, mode: 'node', maxmemory: 6 * 2 ** 30 });
        const unread: MessagePort[] = [];
        for (let i = 0; i < 2; i++) {
          const { port1, port2 } = new MessageChannel();
          primary.engine.replication.attachPort(port1, `127.0.0.1:${i + 1}`);
          unread.push(port2);
        }
        stopAfter.set(primary, () => unread.forEach((p) => p.close()));
        return [primary];
      },
    ],
  ];
  // The first setup measured would otherwise also pay for compiling the hot path.
  const warm = createRedisServer({ port: 0 });
  for (const args of Object.values(COMMAND_OF)) await nsPerCommand(warm, args, 1);
  warm.engine.stop();
  const rows: string[][] = Object.keys(COMMAND_OF).map((name) => [name]);
  for (const [, make] of setups) {
    const servers = make();
    for (const [i, args] of Object.values(COMMAND_OF).entries()) (rows[i] as string[]).push((await nsPerCommand(servers[0] as RedisServerWithEngine, args)).toFixed(0));
    for (const s of servers) {
      s.engine.stop();
      stopAfter.get(s)?.();
    }
  }
  return `### Engine CPU per command, no sockets (ns, -P ${PIPELINE}, best of ${ROUNDS})\n\n${markdownTable(['command', ...setups.map(([n]) => n)], rows)}`;
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (invokedDirectly) {
  benchRedisCpu().then(
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
