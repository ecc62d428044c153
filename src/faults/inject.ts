import { nodeMemoryBytes } from '../catalog/node-types.ts';
import type { Scope } from '../store/records.ts';
import type { World } from '../world.ts';
import { crashNodes, recoverNodes, RECOVERY_DELAY_FACTOR } from './node-outage.ts';
import { faultsOf, type Applied } from './registry.ts';
import { nodeName, nodeOf, nodesInAz, redisOf, resolveEndpoint, resolveNodes, shardPrimary, type NetworkPoint, type TargetNode } from './targets.ts';
import { FaultRequestError, type FaultRequest } from './types.ts';

const none = () => undefined;

/** Applies a checked fault request and registers it; answers its id. A target that cannot take it is a 400. */
export async function injectFault(world: World, request: FaultRequest, scope: Scope): Promise<string> {
  const faults = faultsOf(world);
  // The id is needed by steps scheduled while applying, so the fault is registered first and filled in.
  const applied: Applied = { nodes: [], undo: none };
  const plan = planFault(world, request, scope);
  const id = faults.add(request, scope, applied, world.now());
  try {
    const result = await plan(id);
    applied.nodes = result.nodes;
    applied.undo = result.undo;
  } catch (err) {
    await faults.remove(id);
    throw err;
  }
  return id;
}

type Plan = (id: string) => Promise<Applied> | Applied;

/** Checks the target now (so a bad one is a 400 before anything happens) and answers how to apply. */
function planFault(world: World, request: FaultRequest, scope: Scope): Plan {
  const faults = faultsOf(world);
  const event = (n: TargetNode, message: string) => world.event(scope, 'cache-cluster', n.clusterId, message);
  const names = (nodes: TargetNode[]) => nodes.map(nodeName);
  const endsAfterRecovery = (id: string) => {
    if (request.durationMs === undefined) {
      faults.after(id, world.config.transitionDelayMs * RECOVERY_DELAY_FACTOR, async () => {
        await faults.remove(id);
      });
    }
  };

  switch (request.action) {
    case 'crash-node': {
      const nodes = resolveNodes(world, scope, request.target, 'primaries');
      return async (id) => {
        await crashNodes(world, faults, id, scope, nodes);
        endsAfterRecovery(id);
        return { nodes: names(nodes), undo: () => recoverNodes(world, scope, nodes) };
      };
    }
    case 'lose-az': {
      const nodes = nodesInAz(world, scope, request.target);
      if (nodes.length === 0) throw new FaultRequestError(`no cache node in availability zone ${request.target}`);
      return async (id) => {
        await crashNodes(world, faults, id, scope, nodes);
        return { nodes: names(nodes), undo: () => recoverNodes(world, scope, nodes) };
      };
    }
    case 'stop-node': {
      const servers = resolveNodes(world, scope, request.target, 'primaries').map((n) => ({ n, s: nodeOf(world, n, request.action) }));
      return () => {
        for (const { n, s } of servers) {
          s.network.freeze(true);
          event(n, `Cache node ${n.nodeId} shutdown`);
        }
        return {
          nodes: servers.map(({ n }) => nodeName(n)),
          undo: () => {
            for (const { n, s } of servers) {
              s.network.freeze(false);
              event(n, `Cache node ${n.nodeId} restarted`);
            }
          },
        };
      };
    }
    case 'cut-replication':
    case 'delay-replication': {
      const replicas = resolveNodes(world, scope, request.target, 'replicas').map((n) => {
        if (!n.group || shardPrimary(n.group, n.clusterId) === n.clusterId) {
          throw new FaultRequestError(`${request.action}: ${nodeName(n)} is not a replica`);
        }
        return { n, s: redisOf(world, n, request.action) };
      });
      if (replicas.length === 0) throw new FaultRequestError(`${request.target} has no replica`);
      // A delayed replica applies each change delayMs after its primary; a cut one nothing until the fault ends.
      const delayMs = request.action === 'cut-replication' ? null : (request.delayMs ?? 0);
      return () => {
        for (const { n, s } of replicas) {
          s.faultReplication({ delayMs });
          const how = delayMs === null ? 'interrupted' : `delayed by ${delayMs} ms`;
          event(n, `Replication from the primary to cache node ${n.nodeId} ${how}`);
        }
        return {
          nodes: replicas.map(({ n }) => nodeName(n)),
          undo: () => {
            for (const { n, s } of replicas) {
              s.faultReplication(null);
              event(n, `Replication from the primary to cache node ${n.nodeId} resumed`);
            }
          },
        };
      };
    }
    case 'add-latency': {
      const points = networkPoints(world, scope, request.target, request.action);
      const latencyMs = request.latencyMs ?? 0;
      return () => {
        for (const p of points) {
          p.network.latencyMs = latencyMs;
          p.event(`Network latency of ${p.what} increased by ${latencyMs} ms`);
        }
        return {
          nodes: points.map((p) => p.name),
          undo: () => {
            for (const p of points) {
              p.network.latencyMs = 0;
              p.event(`Network latency of ${p.what} back to normal`);
            }
          },
        };
      };
    }
    case 'drop-connections': {
      const points = networkPoints(world, scope, request.target, request.action);
      return (id) => {
        for (const p of points) {
          const dropped = p.resetConnections();
          p.event(`Reset ${dropped} client connections of ${p.what}`);
          // A count refuses that many further connections; a duration refuses all until it ends.
          p.network.refuseNext = request.count ?? (request.durationMs !== undefined ? Infinity : 0);
          p.network.onRefused = () => faults.consume(id);
        }
        if (request.count === undefined && request.durationMs === undefined) {
          faults.after(id, 0, async () => {
            await faults.remove(id);
          });
        }
        return {
          nodes: points.map((p) => p.name),
          undo: () => {
            for (const p of points) {
              p.network.refuseNext = 0;
              p.network.onRefused = null;
            }
          },
        };
      };
    }
    case 'fill-memory': {
      const servers = resolveNodes(world, scope, request.target, 'primaries').map((n) => ({ n, s: nodeOf(world, n, request.action) }));
      const percent = request.percent ?? 100;
      return async () => {
        for (const { n, s } of servers) {
          await s.fillMemory(Math.ceil((nodeMemoryBytes(n.cluster.nodeType) * percent) / 100));
          event(n, `Memory of cache node ${n.nodeId} filled to ${percent}% of maxmemory`);
        }
        return {
          nodes: servers.map(({ n }) => nodeName(n)),
          undo: async () => {
            for (const { s } of servers) await s.fillMemory(0);
          },
        };
      };
    }
    case 'api-error': {
      // Applied per request by the API (see api-errors.ts). It concerns no resource: its events have no source.
      const which = request.target === '*' ? 'Every API action answers' : `API action ${request.target} answers`;
      const error = request.error ?? 'ThrottlingException';
      const limit = request.count !== undefined ? ` for the next ${request.count === 1 ? 'request' : `${request.count} requests`}` : request.durationMs !== undefined ? ` for ${request.durationMs} ms` : '';
      return () => {
        world.event(scope, null, null, `${which} ${error}${limit}`);
        return { nodes: [], undo: () => world.event(scope, null, null, `${which} normally again`) };
      };
    }
  }
}

/** The nodes a network fault names, or the one endpoint (`<group>/primary` ...), with how events name each. */
function networkPoints(world: World, scope: Scope, target: string, action: string): (NetworkPoint & { what: string })[] {
  const endpoint = resolveEndpoint(world, scope, target, action);
  if (endpoint) return [{ ...endpoint, what: `the ${target.split('/')[1]} endpoint` }];
  return resolveNodes(world, scope, target, 'all').map((n) => {
    const server = nodeOf(world, n, action);
    return {
      name: nodeName(n),
      network: server.network,
      resetConnections: () => server.resetConnections(),
      event: (message: string) => world.event(scope, 'cache-cluster', n.clusterId, message),
      what: `cache node ${n.nodeId}`,
    };
  });
}
