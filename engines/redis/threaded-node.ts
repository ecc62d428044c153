// A Redis node whose engine runs in its own worker thread (opt-in: the emulator's --node-threads), so
// its commands, and a replica's replay of its primary's stream, use the machine's other cores. The node
// listens on its port in the worker; the control plane drives it through a small request protocol. The
// lifecycle calls that answer at once (configure, users, dump, stats, ...) wait for the worker's answer
// (Atomics.wait on a shared flag, bounded); the others are promises. Replication with any other node
// goes over a MessagePort (port-links.ts, replication-port.ts).
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { RedisServerOptions } from './index.ts';
import type { RedisNode } from './node.ts';
import { NetworkFaults } from '../network-faults.ts';
import { asBuffer, linkOverPort, registerLinker, unlinkPort } from './port-links.ts';

export type NodeThreadOp =
  | 'listen' | 'close' | 'configure' | 'setUsers' | 'setTls' | 'promote' | 'serve' | 'follow' | 'flushReplication'
  | 'dump' | 'dumpSliced' | 'slicedWritesSettled' | 'fenceWrites' | 'unfenceWrites' | 'load' | 'loadSliced' | 'slowlogAfter' | 'stats' | 'command' | 'resetConnections'
  | 'fillMemory' | 'leaveCluster';

export interface NodeThreadRequest {
  id: number;
  op: NodeThreadOp;
  args: unknown[];
  sync: boolean;
}

export type NodeThreadReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: { message: string; code?: string } };

export interface NodeThreadData {
  options: RedisServerOptions;
  /** Set to 1 by the worker when a synchronous answer is on syncPort. */
  flag: Int32Array;
  syncPort: MessagePort;
  asyncPort: MessagePort;
}

/** How long a synchronous request may hold the control plane's thread (a worker stuck in a command). */
const SYNC_TIMEOUT_MS = 5000;


function failure(error: { message: string; code?: string }): Error {
  return Object.assign(new Error(error.message), error.code === undefined ? {} : { code: error.code });
}

/** The worker entry: compiled JavaScript next to this file, or the TypeScript source through tsx's loader. */
function spawn(data: NodeThreadData): Worker {
  const transfer = [data.syncPort, data.asyncPort];
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./node-thread.js', import.meta.url), { workerData: data, transferList: transfer });
  const entry = new URL('./node-thread.ts', import.meta.url).href;
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true, workerData: data, transferList: transfer });
}

export function createThreadedRedisNode(options: RedisServerOptions): RedisNode {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const sync = new MessageChannel();
  const async = new MessageChannel();
  const worker = spawn({ options, flag, syncPort: sync.port2, asyncPort: async.port2 });
  const host = options.host ?? '127.0.0.1';
  let port = options.port;
  let nextId = 1;
  let gone: Error | null = null;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  const fail = (err: Error): void => {
    gone ??= err;
    for (const w of waiting.values()) w.reject(err);
    waiting.clear();
  };
  worker.on('error', (err) => fail(err instanceof Error ? err : new Error(String(err))));
  worker.on('exit', () => fail(new Error('the node thread exited')));
  async.port1.on('message', (r: NodeThreadReply) => {
    const w = waiting.get(r.id);
    if (w === undefined) return;
    waiting.delete(r.id);
    if (r.ok) w.resolve(r.value);
    else w.reject(failure(r.error));
  });

  const post = (op: NodeThreadOp, args: unknown[], isSync: boolean, transfer: MessagePort[] = []): number => {
    const id = nextId++;
    worker.postMessage({ id, op, args, sync: isSync } satisfies NodeThreadRequest, transfer);
    return id;
  };
  const request = (op: NodeThreadOp, ...args: unknown[]): Promise<unknown> => {
    if (gone !== null) return Promise.reject(gone);
    return new Promise((resolve, reject) => {
      waiting.set(post(op, args, false), { resolve, reject });
    });
  };
  const call = (op: NodeThreadOp, ...args: unknown[]): unknown => {
    if (gone !== null) throw gone;
    Atomics.store(flag, 0, 0);
    const id = post(op, args, true);
    const deadline = Date.now() + SYNC_TIMEOUT_MS;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`the node thread did not answer ${op} within ${SYNC_TIMEOUT_MS} ms`);
      Atomics.wait(flag, 0, 0, left);
      Atomics.store(flag, 0, 0);
      // An answer to an earlier request that timed out may come first: skip it.
      for (let m = receiveMessageOnPort(sync.port1); m !== undefined; m = receiveMessageOnPort(sync.port1)) {
        const r = m.message as NodeThreadReply;
        if (r.id !== id) continue;
        if (r.ok) return r.value;
        throw failure(r.error);
      }
    }
  };
  /** Sends without waiting: the worker handles requests in order, so later ones see the effect. */
  const tell = (op: NodeThreadOp, args: unknown[], transfer: MessagePort[] = []): void => {
    if (gone === null) post(op, args, false, transfer);
  };

  const node: RedisNode = {
    kind: 'redis',
    get port() {
      return port;
    },
    listen: async () => {
      port = (await request('listen')) as number;
      return port;
    },
    close: async () => {
      if (gone === null) await request('close').catch(() => undefined);
      await worker.terminate();
    },
    // The endpoint then forwards the connection's bytes: a socket cannot move to another thread.
    accept: () => false,
    configure: (settings) => call('configure', [...settings]) as string[],
    setUsers: (users) => call('setUsers', users) as string[],
    setTls: (tls) => void call('setTls', tls),
    replicaOf: (primary) => {
      if (primary !== null) return linkOverPort(node, primary);
      unlinkPort(node);
      // Waits, so the replica has applied everything its primary sent before it takes writes.
      call('promote');
    },
    flushReplication: () => void call('flushReplication'),
    leaveCluster: () => tell('leaveCluster', []),
    dump: () => asBuffer(call('dump') as Uint8Array),
    dumpSliced: async () => asBuffer((await request('dumpSliced')) as Uint8Array),
    slicedWritesSettled: async () => void (await request('slicedWritesSettled')),
    // The fence is taken and kept in the worker, in the turn its wait ends there.
    fenceWrites: async () => {
      const id = (await request('fenceWrites')) as number;
      return () => tell('unfenceWrites', [id]);
    },
    load: (rdbs, keep) => {
      if (keep !== undefined) throw new Error('a node in a worker thread loads whole files only');
      call('load', rdbs);
    },
    loadSliced: async (rdbs, keep) => {
      if (keep !== undefined) throw new Error('a node in a worker thread loads whole files only');
      await request('loadSliced', rdbs);
    },
    holdWrites: () => {
      throw new Error('resharding is for cluster mode, whose nodes do not run in worker threads');
    },
    exportKeys: () => {
      throw new Error('resharding is for cluster mode, whose nodes do not run in worker threads');
    },
    importKeys: () => {
      throw new Error('resharding is for cluster mode, whose nodes do not run in worker threads');
    },
    dropKeys: () => {
      throw new Error('resharding is for cluster mode, whose nodes do not run in worker threads');
    },
    departCluster: () => {
      throw new Error('resharding is for cluster mode, whose nodes do not run in worker threads');
    },
    slowlogAfter: (afterId) => call('slowlogAfter', afterId) as ReturnType<RedisNode['slowlogAfter']>,
    stats: () => call('stats') as ReturnType<RedisNode['stats']>,
    command: async (args) => asBuffer((await request('command', args)) as Uint8Array),
    // Faults on connections act where the sockets are; not carried to the worker yet.
    network: new NetworkFaults(),
    resetConnections: () => call('resetConnections') as number,
    faultReplication: () => undefined,
    fillMemory: async (bytes) => void (await request('fillMemory', bytes)),
  };
  registerLinker(node, {
    get address() {
      return `${host}:${port}`;
    },
    serve: (p, replicaAddress) => tell('serve', [p, replicaAddress], [p]),
    follow: (p, primaryAddress) => tell('follow', [p, primaryAddress], p === null ? [] : [p]),
  });
  return node;
}
