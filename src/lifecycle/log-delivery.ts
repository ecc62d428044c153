import fs from 'node:fs';
import path from 'node:path';
import type { ClusterRecord, LogDeliveryRecord, Scope } from '../store/records.ts';
import type { SourceType } from '../store/events.ts';
import type { World } from '../world.ts';

/**
 * Log delivery, done locally: what AWS would send to a CloudWatch log group or a Firehose stream is
 * appended to <data-dir>/logs/<destination>/<cluster>-<node>.log, one line per entry, as text or JSON.
 * The slow log is read from each node's SLOWLOG; the engine log carries the node's lifecycle events.
 */
export const LOGS_DIR = 'logs';
/** How often slow log entries are shipped: AWS ships within seconds too. */
export const SHIP_INTERVAL_MS = 1000;

/** Per emulator, the last slow log id shipped from each node. */
const shippedBy = new WeakMap<World, Map<string, number>>();

export function logFile(world: World, destination: string, clusterId: string, nodeId: string): string {
  return path.join(world.config.dataDir, LOGS_DIR, destination, `${clusterId}-${nodeId}.log`);
}

/** A cluster's deliveries: its own, or (for a member) its replication group's. */
function deliveriesOf(world: World, scope: Scope, cluster: ClusterRecord): LogDeliveryRecord[] {
  const group = cluster.replicationGroupId ? world.resources.get(scope, 'replication-group', cluster.replicationGroupId) : undefined;
  return (group ? group.logDelivery : cluster.logDelivery) ?? [];
}

function append(world: World, config: LogDeliveryRecord, cluster: ClusterRecord, nodeId: string, lines: string[]): void {
  if (lines.length === 0) return;
  const file = logFile(world, config.destination, cluster.id, nodeId);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.appendFileSync(file, lines.map((l) => `${l}\n`).join(''));
}

/** Ships every node's new slow log entries to the slow-log destinations. Bounded by SLOWLOG's own length. */
export function shipSlowLogs(world: World): void {
  let shipped = shippedBy.get(world);
  if (!shipped) shippedBy.set(world, (shipped = new Map()));
  for (const { scope, record: cluster } of world.resources.all('cluster')) {
    const config = deliveriesOf(world, scope, cluster).find((c) => c.logType === 'slow-log');
    if (!config || cluster.engine === 'memcached') continue;
    for (const node of cluster.nodes) {
      const key = world.runtime.nodeKey(scope, cluster.id, node.id);
      const server = world.runtime.nodes.redisNode(key);
      if (!server) continue;
      const last = shipped.get(key) ?? -1;
      const fresh = server.slowlogAfter(last);
      if (fresh.length === 0) continue;
      shipped.set(key, fresh[fresh.length - 1]!.id);
      append(
        world,
        config,
        cluster,
        node.id,
        fresh.map((e) =>
          config.logFormat === 'json'
            ? JSON.stringify({
                CacheClusterId: cluster.id,
                CacheNodeId: node.id,
                Id: e.id,
                Timestamp: e.time,
                Duration: e.usec,
                Command: e.args.join(' '),
                ClientAddress: e.addr,
                ClientName: e.name,
              })
            : `${cluster.id} ${node.id} ${e.id} ${e.time} ${e.usec} ${e.args.join(' ')} ${e.addr} ${e.name}`.trimEnd(),
        ),
      );
    }
  }
}

function engineLine(config: LogDeliveryRecord, cluster: ClusterRecord, nodeId: string, now: number, message: string): string {
  if (config.logFormat === 'json') {
    return JSON.stringify({ CacheClusterId: cluster.id, CacheNodeId: nodeId, LogLevel: 'NOTICE', Role: 'M', Time: new Date(now).toISOString(), Message: message });
  }
  return `${cluster.id}:${nodeId} ${new Date(now).toISOString()} * ${message}`;
}

/** Writes an event of a cluster (or of every member of a group) to the engine-log destinations. */
export function shipEngineLog(world: World, scope: Scope, sourceType: SourceType, sourceId: string, message: string): void {
  if (sourceType !== 'cache-cluster' && sourceType !== 'replication-group') return;
  const clusters =
    sourceType === 'cache-cluster'
      ? [world.resources.get(scope, 'cluster', sourceId)]
      : (world.resources.get(scope, 'replication-group', sourceId)?.memberClusters ?? []).map((id) => world.resources.get(scope, 'cluster', id));
  for (const cluster of clusters) {
    if (!cluster) continue;
    const config = deliveriesOf(world, scope, cluster).find((c) => c.logType === 'engine-log');
    if (!config) continue;
    for (const node of cluster.nodes) append(world, config, cluster, node.id, [engineLine(config, cluster, node.id, world.now(), message)]);
  }
}
