import { nodeMemoryBytes } from '../catalog/node-types.ts';
import type { ClusterRecord, Scope } from '../store/records.ts';
import type { World } from '../world.ts';
import { faultsOf } from '../faults/registry.ts';

const MAX_EVENTS = 100;

export interface NodeView {
  /** `<cluster>/<node>`, what the fault API and the key browser name. */
  name: string;
  clusterId: string;
  nodeId: string;
  engine: string;
  az: string;
  port: number;
  up: boolean;
  role: 'primary' | 'replica' | 'node';
  maxmemory: number;
  stats?: ReturnType<NonNullable<ReturnType<World['runtime']['nodes']['redisNode']>>['stats']>;
}

export interface ShardView {
  id: string;
  slots: string;
  nodes: NodeView[];
}

/** The newest events only: the console polls every second, and a long-lived emulator has many. */
function recentEvents(world: World, scope: Scope) {
  const rows = world.db
    .prepare('SELECT date, source_type, source_id, message FROM events WHERE account = ? AND region = ? ORDER BY date DESC, seq DESC LIMIT ?')
    .all(scope.account, scope.region, MAX_EVENTS) as { date: number; source_type: string; source_id: string; message: string }[];
  return rows.map((e) => ({ date: new Date(e.date).toISOString(), sourceType: e.source_type, sourceId: e.source_id, message: e.message }));
}

/** Everything one poll of the console shows, for one account and region. */
export function consoleState(world: World, scope: Scope) {
  const r = world.resources;
  const clusters = new Map(r.list(scope, 'cluster').map((c) => [c.id, c]));
  const nodeViews = (c: ClusterRecord, role: NodeView['role']): NodeView[] =>
    c.nodes.map((n) => {
      const key = world.runtime.nodeKey(scope, c.id, n.id);
      const server = world.runtime.nodes.redisNode(key);
      return {
        name: `${c.id}/${n.id}`,
        clusterId: c.id,
        nodeId: n.id,
        engine: c.engine,
        az: n.az,
        port: n.port,
        up: world.runtime.nodes.isRunning(key),
        role,
        maxmemory: nodeMemoryBytes(c.nodeType),
        stats: server?.stats(),
      };
    });
  const groups = r.list(scope, 'replication-group').map((g) => {
    const shards = g.shards ?? [{ id: '0001', slots: [] as [number, number][], primaryClusterId: g.primaryClusterId, members: g.memberClusters }];
    return {
      id: g.id,
      status: g.status,
      description: g.description,
      automaticFailover: g.automaticFailover,
      clusterMode: g.shards !== undefined,
      endpoints: {
        primary: g.primaryEndpointPort || undefined,
        reader: g.readerEndpointPort || undefined,
        configuration: g.configEndpointPort || undefined,
      },
      shards: shards.map((s): ShardView => ({
        id: s.id,
        slots: s.slots.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(', '),
        nodes: s.members.flatMap((m) => {
          const c = clusters.get(m);
          return c ? nodeViews(c, m === s.primaryClusterId ? 'primary' : 'replica') : [];
        }),
      })),
    };
  });
  return {
    account: scope.account,
    region: scope.region,
    endpointHost: world.config.endpointHost,
    now: new Date(world.now()).toISOString(),
    groups,
    clusters: [...clusters.values()].map((c) => ({
      id: c.id,
      engine: c.engine,
      engineVersion: c.engineVersion,
      nodeType: c.nodeType,
      status: c.status,
      replicationGroupId: c.replicationGroupId ?? null,
      configEndpointPort: c.configEndpointPort ?? null,
      nodes: c.replicationGroupId ? [] : nodeViews(c, 'node'),
    })),
    serverless: r.list(scope, 'serverless-cache').map((s) => ({ name: s.name, engine: s.engine, status: s.status, endpointPort: s.endpointPort })),
    snapshots: r.list(scope, 'snapshot').map((s) => ({
      name: s.name,
      source: s.source,
      status: s.status,
      of: s.replicationGroupId ?? s.clusterId ?? '',
    })),
    users: r.list(scope, 'user').map((u) => ({ id: u.id, userName: u.userName, engine: u.engine, status: u.status })),
    events: recentEvents(world, scope),
    faults: faultsOf(world)
      .list()
      .filter((f) => f.account === scope.account && f.region === scope.region),
  };
}
