// How a cluster node sees its peers, as redis-server 7.0's cluster bus reports them (measured on a
// redis-server cluster whose replica was killed, cluster-node-timeout 1500):
// - at once, the dead node's bus link is gone: CLUSTER NODES says `disconnected`, nothing else changes;
// - past cluster-node-timeout its peers agree it failed: NODES flags it `fail` (its ping sent, unanswered,
//   in the ping-sent field), CLUSTER SHARDS gives health `fail`, and CLUSTER SLOTS leaves a failed replica
//   out, so a cluster client stops sending it reads. (Between the two, redis-server shows `fail?` while the
//   primaries' failure reports gather, a moment of gossip rounds: not modelled.)
// - a replica whose first sync is under way reports offset 0: SHARDS says `loading`, SLOTS leaves it out.
// A node here is down from its engine's stop (the fault API's crash-node) until a new one replaces it, and
// silent while its server is frozen (stop-node): failing past the timeout, its link still up.
import type { ClusterNode, ClusterShard } from './cluster.ts';
import type { Engine } from './engine.ts';

export interface PeerView {
  /** Marked failing (NODES `fail`, SHARDS `fail`, left out of SLOTS). */
  failed: boolean;
  /** The bus link to it is down (NODES `disconnected`). */
  linkDown: boolean;
  /** A replica still taking its full copy. */
  loading: boolean;
  /** NODES' ping-sent and pong-recv fields (ms). */
  pingSent: number;
  pongRecv: number;
}

export function peerView(observer: Engine, shard: ClusterShard, n: ClusterNode): PeerView {
  const now = observer.clock.now();
  const self = n.engine === observer;
  const stoppedAt = self ? 0 : n.engine.stoppedAt;
  // A frozen process keeps its bus link open (its kernel still accepts) but answers no ping.
  const silentSince = stoppedAt > 0 ? stoppedAt : self ? 0 : (n.frozenSince?.() ?? 0);
  const timeout = Number(observer.config.get('cluster-node-timeout') ?? 15000);
  const failed = silentSince > 0 && now - silentSince >= timeout;
  const loading = n !== shard.primary && shard.primary.engine.replication.copying(n.engine);
  return {
    failed,
    linkDown: stoppedAt > 0,
    loading,
    pingSent: failed ? silentSince + Math.floor(timeout / 2) : 0,
    pongRecv: silentSince > 0 ? silentSince : now,
  };
}

/** SHARDS' health field. */
export function healthOf(v: PeerView): 'online' | 'loading' | 'fail' {
  return v.failed ? 'fail' : v.loading ? 'loading' : 'online';
}
