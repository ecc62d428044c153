// CLUSTER, READONLY, READWRITE, ASKING and RESTORE-ASKING. Without a topology they answer as a node with cluster
// support disabled (cluster-mode-disabled ElastiCache); with one, from the shared topology.
import type { Client } from '../client.ts';
import { CLUSTER_SLOTS, keySlot, type ClusterNode, type ClusterShard, type ClusterTopology } from '../cluster.ts';
import { healthOf, peerView } from '../cluster-health.ts';
import type { Engine } from '../engine.ts';
import { defineGroup } from '../command-table.ts';
import { E, fail } from '../errors.ts';
import { parseIntArg } from '../num.ts';
import { keyCommands } from './keys.ts';
import { writeHelp } from './util.ts';

const DISABLED = 'ERR This instance has cluster support disabled';

function topology(c: Client): ClusterTopology {
  const t = c.engine.cluster;
  if (t === null) fail(DISABLED);
  return t;
}

function parseSlot(s: string): number {
  const n = parseIntArg(s, 'ERR Invalid slot');
  if (n < 0 || n >= CLUSTER_SLOTS) fail('ERR Invalid slot');
  return n;
}

/** A replica still loading reports 0, as redis-server's replica before its sync ends. */
function nodeOffset(n: ClusterNode, loading: boolean): number {
  return loading ? 0 : n.engine.replication.offset;
}

function writeSlotsNode(c: Client, n: ClusterNode): void {
  c.w.array(4);
  c.w.bulk(n.host);
  c.w.int(n.port);
  c.w.bulk(n.id);
  c.w.map(0);
}

function nodesLine(t: ClusterTopology, observer: Engine, me: ClusterNode | undefined, shard: ClusterShard, n: ClusterNode): string {
  const isPrimary = shard.primary === n;
  const v = peerView(observer, shard, n);
  const flags = `${n === me ? 'myself,' : ''}${isPrimary ? 'master' : 'slave'}${v.failed ? ',fail' : ''}`;
  const slots = isPrimary ? shard.slots.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(' ') : '';
  const link = v.linkDown ? 'disconnected' : 'connected';
  return `${n.id} ${n.host}:${n.port}@${n.port + 10000} ${flags} ${isPrimary ? '-' : shard.primary.id} ${v.pingSent} ${v.pongRecv} ${t.epoch} ${link}${slots ? ` ${slots}` : ''}`;
}

/**
 * Redis 7.0's cluster administration subcommands (name, arity). They exist so that scripts, ACLs
 * and COMMAND see them as redis-server does, but only ever answer with an error here.
 */
const ADMIN: [string, number][] = [
  ['addslots', -3],
  ['addslotsrange', -4],
  ['bumpepoch', 2],
  ['count-failure-reports', 3],
  ['delslots', -3],
  ['delslotsrange', -4],
  ['failover', -2],
  ['flushslots', 2],
  ['forget', 3],
  ['links', 2],
  ['meet', -4],
  ['replicate', 3],
  ['reset', -2],
  ['saveconfig', 2],
  ['set-config-epoch', 3],
  ['setslot', -4],
];

const CLUSTER_HELP = [
  'CLUSTER <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'COUNTKEYSINSLOT <slot>',
  'GETKEYSINSLOT <slot> <count>',
  'INFO',
  'KEYSLOT <key>',
  'MYID',
  'NODES',
  'REPLICAS <node-id>',
  'SHARDS',
  'SLOTS',
  'HELP',
];

export const clusterCommands = defineGroup('server', [
  {
    name: 'cluster',
    arity: -2,
    flags: [],
    handler: () => undefined,
    subcommands: [
      {
        name: 'info',
        arity: 2,
        flags: ['stale'],
        handler: (c) => {
          const t = topology(c);
          // The slots of a primary its peers marked failing (what a client sees before a failover).
          let failing = 0;
          for (const s of t.shards) if (peerView(c.engine, s, s.primary).failed) for (const [a, b] of s.slots) failing += b - a + 1;
          const lines = [
            'cluster_state:ok',
            `cluster_slots_assigned:${t.assignedSlots}`,
            `cluster_slots_ok:${t.assignedSlots - failing}`,
            'cluster_slots_pfail:0',
            `cluster_slots_fail:${failing}`,
            `cluster_known_nodes:${t.nodes.length}`,
            `cluster_size:${t.shards.length}`,
            `cluster_current_epoch:${t.epoch}`,
            `cluster_my_epoch:${t.epoch}`,
            'cluster_stats_messages_sent:0',
            'cluster_stats_messages_received:0',
            'total_cluster_links_buffer_limit_exceeded:0',
          ];
          c.w.verbatim(lines.map((l) => l + '\r\n').join(''));
        },
      },
      { name: 'myid', arity: 2, flags: ['stale'], handler: (c) => c.w.bulk(topology(c).nodeOf(c.engine)?.id ?? '') },
      {
        name: 'keyslot',
        arity: 3,
        flags: ['stale'],
        handler: (c, a) => {
          topology(c);
          c.w.int(keySlot(a[2] as string));
        },
      },
      {
        name: 'countkeysinslot',
        arity: 3,
        flags: ['stale'],
        handler: (c, a) => {
          topology(c);
          const slot = parseSlot(a[2] as string);
          let n = 0;
          for (const k of c.db.dict.keys()) if (keySlot(k) === slot) n++;
          c.w.int(n);
        },
      },
      {
        name: 'getkeysinslot',
        arity: 4,
        flags: ['stale'],
        handler: (c, a) => {
          topology(c);
          const slot = parseSlot(a[2] as string);
          const count = parseIntArg(a[3] as string, 'ERR Invalid number of keys');
          if (count < 0) fail('ERR Invalid number of keys');
          const out: string[] = [];
          for (const k of c.db.dict.keys()) {
            if (out.length >= count) break;
            if (keySlot(k) === slot) out.push(k);
          }
          c.w.bulks(out);
        },
      },
      {
        name: 'slots',
        arity: 2,
        flags: ['stale'],
        handler: (c) => {
          const t = topology(c);
          const ranges = t.shards.flatMap((s) => s.slots.map((r) => [r, s] as const));
          c.w.array(ranges.length);
          for (const [[from, to], s] of ranges) {
            // A failed replica, or one still loading, takes no reads: redis-server leaves it out.
            const replicas = s.replicas.filter((r) => {
              const v = peerView(c.engine, s, r);
              return !v.failed && !v.loading;
            });
            c.w.array(3 + replicas.length);
            c.w.int(from);
            c.w.int(to);
            writeSlotsNode(c, s.primary);
            for (const r of replicas) writeSlotsNode(c, r);
          }
        },
      },
      {
        name: 'shards',
        arity: 2,
        flags: ['stale'],
        handler: (c) => {
          const t = topology(c);
          c.w.array(t.shards.length);
          for (const s of t.shards) {
            c.w.map(2);
            c.w.bulk('slots');
            c.w.array(s.slots.length * 2);
            for (const [from, to] of s.slots) {
              c.w.int(from);
              c.w.int(to);
            }
            c.w.bulk('nodes');
            const nodes = [s.primary, ...s.replicas];
            c.w.array(nodes.length);
            for (const n of nodes) {
              const v = peerView(c.engine, s, n);
              c.w.map(7);
              c.w.bulk('id');
              c.w.bulk(n.id);
              c.w.bulk('port');
              c.w.int(n.port);
              c.w.bulk('ip');
              c.w.bulk(n.host);
              c.w.bulk('endpoint');
              c.w.bulk(n.host);
              c.w.bulk('role');
              c.w.bulk(n === s.primary ? 'master' : 'replica');
              c.w.bulk('replication-offset');
              c.w.int(nodeOffset(n, v.loading));
              c.w.bulk('health');
              c.w.bulk(healthOf(v));
            }
          }
        },
      },
      {
        name: 'nodes',
        arity: 2,
        flags: ['stale'],
        handler: (c) => {
          const t = topology(c);
          const me = t.nodeOf(c.engine);
          const lines: string[] = [];
          for (const s of t.shards) for (const n of [s.primary, ...s.replicas]) lines.push(nodesLine(t, c.engine, me, s, n));
          c.w.verbatim(lines.map((l) => l + '\n').join(''));
        },
      },
      ...(['replicas', 'slaves'] as const).map((name) => ({
        name,
        arity: 3,
        flags: ['stale'] as const,
        handler: (c: Client, a: string[]) => {
          const t = topology(c);
          const shard = t.shards.find((s) => s.primary.id === a[2]);
          if (shard === undefined) fail(`ERR Unknown node ${a[2]}`);
          const me = t.nodeOf(c.engine);
          c.w.bulks(shard.replicas.map((r) => nodesLine(t, c.engine, me, shard, r)));
        },
      })),
      {
        name: 'help',
        arity: 2,
        flags: ['stale'],
        handler: (c) => {
          topology(c);
          writeHelp(c, CLUSTER_HELP);
        },
      },
      ...ADMIN.map(([name, arity]) => ({
        name,
        arity,
        flags: [] as const,
        handler: (c: Client, a: string[]) => {
          topology(c);
          // A shard's topology is the control plane's: a node has no slots or peers to manage.
          fail(E.UNKNOWN_SUB(a[1] as string, a[0] as string));
        },
      })),
    ],
  },
  {
    name: 'readonly',
    arity: 1,
    flags: ['fast', 'loading', 'stale'],
    acl: ['@connection'],
    handler: (c) => {
      topology(c);
      c.clusterReadonly = true;
      c.w.ok();
    },
  },
  {
    name: 'readwrite',
    arity: 1,
    flags: ['fast', 'loading', 'stale'],
    acl: ['@connection'],
    handler: (c) => {
      topology(c);
      c.clusterReadonly = false;
      c.w.ok();
    },
  },
  {
    name: 'asking',
    arity: 1,
    flags: ['fast'],
    acl: ['@connection'],
    handler: (c) => {
      topology(c);
      c.w.ok();
    },
  },
  {
    // What a cluster node's MIGRATE sends: RESTORE that an importing slot accepts without ASKING. No slot is ever
    // importing here (resharding moves whole slots between nodes), so it is RESTORE, with or without a topology.
    name: 'restore-asking',
    arity: -4,
    flags: ['write', 'denyoom'],
    acl: ['@dangerous'],
    keys: [1, 1, 1],
    handler: (c, a) => restore(c, a),
  },
]);

const restore = keyCommands.find((d) => d.name === 'restore')!.handler;
