// Cluster mode for engines of one process: a shared topology maps the 16384 hash slots to shards
// (a primary plus replicas); each engine answers CLUSTER queries from it and redirects keys it does
// not own with -MOVED, the way cluster-mode-enabled ElastiCache nodes do.
import { randomBytes } from 'node:crypto';
import type { Engine } from './engine.ts';

export const CLUSTER_SLOTS = 16384;

const CRC16_TABLE = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let j = 0; j < 8; j++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    t[i] = crc;
  }
  return t;
})();

function crc16(s: string, from: number, to: number): number {
  let crc = 0;
  for (let i = from; i < to; i++) crc = ((crc << 8) & 0xffff) ^ (CRC16_TABLE[((crc >> 8) ^ s.charCodeAt(i)) & 0xff] as number);
  return crc;
}

/** Redis's key → slot mapping, honouring {hash tags}. */
export function keySlot(key: string): number {
  const open = key.indexOf('{');
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) return crc16(key, open + 1, close) & (CLUSTER_SLOTS - 1);
  }
  return crc16(key, 0, key.length) & (CLUSTER_SLOTS - 1);
}

export interface ClusterNode {
  id: string;
  host: string;
  port: number;
  engine: Engine;
  /** When its server was frozen (the fault API's stop-node), 0 while it answers. */
  frozenSince?: () => number;
}

export interface ClusterShard {
  /** Inclusive slot ranges. */
  slots: [number, number][];
  primary: ClusterNode;
  replicas: ClusterNode[];
}

export class ClusterTopology {
  private readonly owner = new Int32Array(CLUSTER_SLOTS).fill(-1);
  readonly epoch = 1;

  constructor(readonly shards: ClusterShard[]) {
    shards.forEach((shard, i) => {
      for (const [from, to] of shard.slots) for (let s = from; s <= to; s++) this.owner[s] = i;
    });
  }

  shardForSlot(slot: number): ClusterShard | undefined {
    const i = this.owner[slot] as number;
    return i < 0 ? undefined : this.shards[i];
  }

  shardOf(engine: Engine): ClusterShard | undefined {
    return this.shards.find((s) => s.primary.engine === engine || s.replicas.some((r) => r.engine === engine));
  }

  nodeOf(engine: Engine): ClusterNode | undefined {
    for (const s of this.shards) {
      if (s.primary.engine === engine) return s.primary;
      const r = s.replicas.find((n) => n.engine === engine);
      if (r) return r;
    }
    return undefined;
  }

  get assignedSlots(): number {
    let n = 0;
    for (let s = 0; s < CLUSTER_SLOTS; s++) if ((this.owner[s] as number) >= 0) n++;
    return n;
  }

  get nodes(): ClusterNode[] {
    return this.shards.flatMap((s) => [s.primary, ...s.replicas]);
  }

  /**
   * The other nodes the cluster bus carries a message published on `engine` to: every node of the
   * cluster for PUBLISH, the nodes of its own shard for SPUBLISH.
   */
  peersOf(engine: Engine, scope: 'cluster' | 'shard'): Engine[] {
    const nodes = scope === 'cluster' ? this.nodes : (() => {
      const shard = this.shardOf(engine);
      return shard === undefined ? [] : [shard.primary, ...shard.replicas];
    })();
    return nodes.map((n) => n.engine).filter((e) => e !== engine);
  }
}

export function newNodeId(): string {
  return randomBytes(20).toString('hex');
}
