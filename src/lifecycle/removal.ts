import fs from 'node:fs';
import { pathInside } from '../store/paths.ts';
import { arnOf, RESOURCE_TYPES } from '../store/kinds.ts';
import type { Kind, RecordKinds, ReplicationGroupRecord, Scope } from '../store/records.ts';
import type { World } from '../world.ts';

/** Every local port a record names (nodes and endpoints), whether or not anything listens on it now; see aliasedPortsOf. */
export function portsOf(kind: Kind, record: unknown): number[] {
  switch (kind) {
    case 'cluster': {
      const c = record as RecordKinds['cluster'];
      return [...c.nodes.map((n) => n.port), c.configEndpointPort ?? 0];
    }
    case 'replication-group': {
      const g = record as RecordKinds['replication-group'];
      // A port held at a loopback alias is not the host's (those are in aliasedPortsOf).
      const named = g.endpointAddress ? namedEndpointRole(g) : undefined;
      const configAliased = named === 'configuration' || g.configEndpointAddress !== undefined;
      return [named === 'primary' ? 0 : g.primaryEndpointPort, g.readerEndpointPort, configAliased ? 0 : (g.configEndpointPort ?? 0)];
    }
    case 'serverless-cache': {
      const s = record as RecordKinds['serverless-cache'];
      return [s.nodePort, s.endpointPort, s.readerEndpointPort];
    }
    default:
      return [];
  }
}

/** The role of a group's endpoint that carries its Port (what Terraform reads back as `port`). */
export function namedEndpointRole(g: ReplicationGroupRecord): 'configuration' | 'primary' {
  return g.shards && !g.clusterModeCompatible ? 'configuration' : 'primary';
}

/** A group's endpoints that live at a loopback alias rather than the host (the port each has there). */
export function aliasedPortsOf(g: ReplicationGroupRecord): { address: string; port: number }[] {
  const aliased: { address: string; port: number }[] = [];
  const port = namedEndpointRole(g) === 'configuration' ? (g.configEndpointPort ?? 0) : g.primaryEndpointPort;
  if (g.endpointAddress && port > 0) aliased.push({ address: g.endpointAddress, port });
  if (g.configEndpointAddress && g.configEndpointPort) aliased.push({ address: g.configEndpointAddress, port: g.configEndpointPort });
  return aliased;
}

/** Marks (or frees) every port a record names, at the address it names it. */
export function reservePortsOf(world: World, kind: Kind, record: unknown): void {
  for (const p of portsOf(kind, record)) world.runtime.ports.reserve(p);
  const aliased = kind === 'replication-group' ? aliasedPortsOf(record as ReplicationGroupRecord) : [];
  for (const a of aliased) world.runtime.ports.reserveAt(a.address, a.port);
}

export function releasePortsOf(world: World, kind: Kind, record: unknown): void {
  world.runtime.ports.release(...portsOf(kind, record).filter((p) => p > 0));
  const aliased = kind === 'replication-group' ? aliasedPortsOf(record as ReplicationGroupRecord) : [];
  for (const a of aliased) world.runtime.ports.releaseAt(a.address, a.port);
}

/**
 * Forgets a resource whose running parts are already stopped: its record, its tags (under the canonical
 * ARN), the ports it named, a cluster's saved node data, and writes the event that says it is gone.
 * Events themselves stay, as AWS keeps them (14 days) after the resource is deleted.
 */
export function removeResource<K extends Kind>(world: World, scope: Scope, kind: K, id: string, event?: string): RecordKinds[K] | undefined {
  const record = world.resources.get(scope, kind, id);
  world.resources.transaction(() => {
    world.resources.remove(scope, kind, id);
    world.tags.removeAll(arnOf(scope, kind, id));
  });
  if (record) releasePortsOf(world, kind, record);
  if (kind === 'cluster') {
    // Data saved at a clean stop for nodes that never came back (a failed create) goes with the cluster.
    fs.rmSync(pathInside(world.config.dataDir, 'nodes', scope.account, scope.region, id), { recursive: true, force: true });
  }
  const source = RESOURCE_TYPES[kind].eventSource;
  if (event !== undefined && source) world.event(scope, source, id, event);
  return record;
}
