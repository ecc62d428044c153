// The worker-thread side of a threaded node (threaded-node.ts): one Redis node with its own listener
// on the node's port, driven by the control plane's requests. Answers to synchronous requests go on
// their own port and wake the waiting thread through the shared flag.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { RedisServerOptions } from './index.ts';
import { createRedisNode } from './node.ts';
import { asBuffer, linkerOf } from './port-links.ts';
import type { NodeThreadData, NodeThreadReply, NodeThreadRequest } from './threaded-node.ts';

const data = workerData as NodeThreadData;
const options: RedisServerOptions = data.options;
const node = createRedisNode(options);
const linker = linkerOf(node);
/** Fences the control plane holds (fenceWrites), by the id it was given. */
const fences = new Map<number, () => void>();
let nextFence = 0;

async function handle(req: NodeThreadRequest): Promise<unknown> {
  const a = req.args;
  switch (req.op) {
    case 'listen':
      return node.listen();
    case 'close':
      return node.close();
    case 'configure':
      return node.configure(new Map(a[0] as [string, string][]));
    case 'setUsers':
      return node.setUsers(a[0] as Parameters<typeof node.setUsers>[0]);
    case 'setTls':
      return node.setTls(a[0] as Parameters<typeof node.setTls>[0]);
    case 'promote':
      return node.replicaOf(null);
    case 'serve':
      return linker?.serve(a[0] as MessagePort, a[1] as string);
    case 'follow':
      return linker?.follow(a[0] as MessagePort | null, a[1] as string);
    case 'flushReplication':
      return node.flushReplication();
    case 'dump':
      return node.dump();
    case 'dumpSliced':
      return node.dumpSliced();
    case 'slicedWritesSettled':
      return node.slicedWritesSettled();
    case 'fenceWrites': {
      const id = ++nextFence;
      fences.set(id, await node.fenceWrites());
      return id;
    }
    case 'unfenceWrites':
      fences.get(a[0] as number)?.();
      fences.delete(a[0] as number);
      return undefined;
    case 'load':
      return node.load(a[0] as Buffer[]);
    case 'loadSliced':
      return node.loadSliced(a[0] as Buffer[]);
    case 'slowlogAfter':
      return node.slowlogAfter(a[0] as number);
    case 'stats':
      return node.stats();
    case 'command':
      return node.command(a[0] as string[]);
    case 'resetConnections':
      return node.resetConnections();
    case 'fillMemory':
      return node.fillMemory(a[0] as number);
    case 'leaveCluster':
      return node.leaveCluster();
  }
}


parentPort?.on('message', (req: NodeThreadRequest) => {
  if (req.op === 'load' || req.op === 'loadSliced') req.args[0] = (req.args[0] as Uint8Array[]).map(asBuffer);
  const answer = (reply: NodeThreadReply): void => {
    if (!req.sync) {
      data.asyncPort.postMessage(reply);
      return;
    }
    data.syncPort.postMessage(reply);
    Atomics.store(data.flag, 0, 1);
    Atomics.notify(data.flag, 0);
  };
  handle(req).then(
    (value) => answer({ id: req.id, ok: true, value }),
    (err: unknown) => {
      const e = err as { message?: string; code?: string };
      answer({ id: req.id, ok: false, error: { message: String(e?.message ?? err), code: e?.code } });
    },
  );
});
