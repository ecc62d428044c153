import fs from 'node:fs';
import { connectHost, type ResolvedConfig } from '../config.ts';
import type { Logger } from '../log.ts';
import { nodeMemoryBytes } from '../catalog/node-types.ts';
import type { Resources } from '../store/resources.ts';
import { GLOBAL_REGION, type ClusterRecord, type ReplicationGroupRecord, type Scope } from '../store/records.ts';
import { EndpointProxy } from './endpoint-proxy.ts';
import { clusterParameters } from './parameters.ts';
import { applyNodeUsers, usersForCluster } from './rbac.ts';
import { writeFileDurably } from './snapshot-files.ts';
import { pathInside } from '../store/paths.ts';
import { NodeSupervisor, type NodeSpec } from './nodes.ts';
import { PortAllocator } from './ports.ts';
import { ensureTlsMaterial, type TlsMaterial } from './tls.ts';

const scopeKey = (scope: Scope) => `${scope.account}/${scope.region}`;
/** The current token first, then the one a ROTATE keeps valid until SET. */
const authTokensOf = (c: ClusterRecord) => [c.authToken, c.previousAuthToken].filter((t): t is string => t !== undefined);
export type EndpointRole = 'primary' | 'reader' | 'configuration';

/**
 * The running world behind the metadata: one engine per cache node, one forwarding port per endpoint.
 * Everything here can be rebuilt from the records, which is what start-up does.
 */
export class Runtime {
  readonly ports: PortAllocator;
  readonly nodes: NodeSupervisor;
  private readonly endpoints = new Map<string, EndpointProxy>();
  private readonly readerCursor = new Map<string, number>();
  private readonly migrations = new Map<string, { stop(): void }>();
  private tlsMaterial: TlsMaterial | undefined;

  constructor(
    private readonly config: ResolvedConfig,
    private readonly resources: Resources,
    private readonly log: Logger,
  ) {
    this.ports = new PortAllocator(config.nodePorts, config.host, config.loopbackAliases);
    this.nodes = new NodeSupervisor(this.ports);
  }

  /** Generated on first use and kept in the data directory, so clients can trust one CA across restarts. */
  tls(): TlsMaterial {
    this.tlsMaterial ??= ensureTlsMaterial(this.config.dataDir, [this.config.endpointHost, ...this.config.loopbackAliases]);
    return this.tlsMaterial;
  }

  nodeKey(scope: Scope, clusterId: string, nodeId: string): string {
    return `${scopeKey(scope)}/${clusterId}/${nodeId}`;
  }

  private endpointKey(scope: Scope, owner: string, role: EndpointRole): string {
    return `${scopeKey(scope)}/${owner}/${role}`;
  }

  private savedDataFile(key: string): string {
    const parts = key.split('/');
    return pathInside(this.config.dataDir, 'nodes', ...parts.slice(0, -1), `${parts.at(-1)}.rdb`);
  }

  /** Writes every Redis node's data to the data directory (a clean stop), each file durably. */
  saveNodeData(): void {
    for (const key of this.nodes.persistentKeys()) {
      try {
        writeFileDurably(this.savedDataFile(key), this.nodes.snapshot(key));
      } catch (err) {
        this.log.error({ err, node: key }, 'could not save the data of a node');
      }
    }
  }

  /**
   * A node that was saved at the last clean stop gets its data back once, and the file is removed: after a
   * crash there is no file, and the node starts empty, as an AWS node does after a restart.
   */
  private loadSavedData(key: string): void {
    const file = this.savedDataFile(key);
    if (!fs.existsSync(file)) return;
    try {
      this.nodes.restore(key, [fs.readFileSync(file)]);
    } catch (err) {
      this.log.error({ err, node: key }, 'could not restore the data of a node');
    }
    fs.rmSync(file, { force: true });
  }

  /** Starts one node of a cluster and answers its port (always `port` when `keepPort`, else PortInUse). */
  async startNode(scope: Scope, cluster: ClusterRecord, nodeId: string, port: number, keepPort = false): Promise<number> {
    const key = this.nodeKey(scope, cluster.id, nodeId);
    const bound = await this.startClusterNode(key, scope, cluster, port, keepPort);
    applyNodeUsers(this.log, this.nodes.redisNode(key), usersForCluster(this.resources, scope, cluster, this.config.credentials), authTokensOf(cluster));
    this.loadSavedData(key);
    return bound;
  }

  private async startClusterNode(key: string, scope: Scope, cluster: ClusterRecord, port: number, keepPort: boolean): Promise<number> {
    return this.nodes.start(key, {
      engine: cluster.engine,
      port,
      keepPort,
      host: this.config.host,
      memoryBytes: nodeMemoryBytes(cluster.nodeType),
      tls: this.nodeTls(cluster),
      engineVersion: cluster.engineVersion,
      clusterConfig: cluster.engine === 'memcached' ? () => this.discoveryConfig(scope, cluster.id) : undefined,
      parameters: clusterParameters(this.resources, scope, cluster.parameterGroup),
      threaded: this.config.nodeThreads && cluster.engine !== 'memcached' && !this.inClusterMode(scope, cluster),
    });
  }

  private inClusterMode(scope: Scope, cluster: ClusterRecord): boolean {
    if (cluster.replicationGroupId === undefined) return false;
    return this.resources.get(scope, 'replication-group', cluster.replicationGroupId)?.shards !== undefined;
  }

  /** Starts an engine that is not a cache cluster's node (a serverless cache). */
  async startEngine(key: string, spec: Omit<NodeSpec, 'host'>): Promise<number> {
    const bound = await this.nodes.start(key, { ...spec, host: this.config.host });
    this.loadSavedData(key);
    return bound;
  }

  /** Immediate parameter changes reach every running node of the cluster. */
  applyParameters(scope: Scope, cluster: ClusterRecord, parameters: Map<string, string>): void {
    for (const node of cluster.nodes) this.nodes.applyParameters(this.nodeKey(scope, cluster.id, node.id), parameters);
  }

  private nodeTls(cluster: ClusterRecord) {
    if (!cluster.transitEncryption) return undefined;
    const { key, cert } = this.tls();
    return { key, cert, mode: cluster.transitEncryptionMode ?? 'required' };
  }

  /** A change of TransitEncryptionEnabled/Mode reaches the running nodes without a restart (no data lost). */
  applyTransitEncryption(scope: Scope, cluster: ClusterRecord): void {
    for (const node of cluster.nodes) this.nodes.setTls(this.nodeKey(scope, cluster.id, node.id), this.nodeTls(cluster));
  }

  /**
   * Who may connect, on every running node of the cluster, without a restart: the users of its group's user
   * groups, or else the default user with the AUTH tokens (after a ROTATE, SET or DELETE) or none.
   */
  applyAccess(scope: Scope, cluster: ClusterRecord): void {
    const users = usersForCluster(this.resources, scope, cluster, this.config.credentials);
    for (const node of cluster.nodes) applyNodeUsers(this.log, this.nodes.redisNode(this.nodeKey(scope, cluster.id, node.id)), users, authTokensOf(cluster));
  }

  async stopNode(scope: Scope, clusterId: string, nodeId: string, port: number): Promise<void> {
    await this.nodes.stop(this.nodeKey(scope, clusterId, nodeId));
    this.ports.release(port);
  }

  nodePort(scope: Scope, clusterId: string, nodeId: string): number | undefined {
    return this.nodes.portOf(this.nodeKey(scope, clusterId, nodeId));
  }

  private discoveryConfig(scope: Scope, clusterId: string) {
    const cluster = this.resources.get(scope, 'cluster', clusterId);
    const nodes = (cluster?.nodes ?? [])
      .map((n) => ({ n, port: this.nodePort(scope, clusterId, n.id) }))
      .filter((x): x is { n: ClusterRecord['nodes'][number]; port: number } => x.port !== undefined)
      .map(({ port }) => ({ host: this.config.endpointHost, ip: connectHost(this.config), port }));
    return { version: cluster?.configVersion ?? 1, nodes };
  }

  async openEndpoint(scope: Scope, owner: string, role: EndpointRole, port: number, resolve: () => number | undefined, keepPort = false): Promise<number> {
    const key = this.endpointKey(scope, owner, role);
    await this.endpoints.get(key)?.close();
    const { proxy } = await this.ports.bind(port, (candidate) => this.listenEndpoint(this.config.host, candidate, resolve), keepPort);
    this.endpoints.set(key, proxy);
    return proxy.port;
  }

  /**
   * The endpoint that carries a group's port: at `address` (the host or a loopback alias) with that number
   * if it can be had there or at another alias (see PortAllocator.bindNamed), else at a port of the range.
   */
  async openNamedEndpoint(
    scope: Scope,
    owner: string,
    role: EndpointRole,
    port: number,
    address: string | undefined,
    resolve: () => number | undefined,
  ): Promise<{ port: number; address?: string }> {
    if (!port) return { port: await this.openEndpoint(scope, owner, role, 0, resolve) };
    const key = this.endpointKey(scope, owner, role);
    await this.endpoints.get(key)?.close();
    const { proxy, address: at } = await this.ports.bindNamed(address ?? this.config.host, port, (host, candidate) => this.listenEndpoint(host, candidate, resolve));
    this.endpoints.set(key, proxy);
    return { port: proxy.port, address: at === this.config.host ? undefined : at };
  }

  private async listenEndpoint(host: string, port: number, resolve: () => number | undefined): Promise<{ proxy: EndpointProxy; port: number }> {
    const proxy = new EndpointProxy(host, connectHost(this.config), resolve, (target, socket) => this.nodes.handOff(target, socket));
    return { proxy, port: await proxy.listen(port) };
  }

  /** The open endpoint of a group or Memcached cluster (the fault API reaches its connections). */
  endpoint(scope: Scope, owner: string, role: EndpointRole): EndpointProxy | undefined {
    return this.endpoints.get(this.endpointKey(scope, owner, role));
  }

  async closeEndpoint(scope: Scope, owner: string, role: EndpointRole): Promise<void> {
    const key = this.endpointKey(scope, owner, role);
    const proxy = this.endpoints.get(key);
    if (!proxy) return;
    this.endpoints.delete(key);
    this.ports.releaseAt(proxy.host, proxy.port);
    await proxy.close();
  }

  /** Wires every member of a group to replicate from its current primary. */
  syncGroupRoles(scope: Scope, groupId: string): void {
    const group = this.resources.get(scope, 'replication-group', groupId);
    if (!group) return;
    this.wireGroup(scope, group);
    // A datastore primary's new topology (a failover, a reshard) is what its secondaries follow.
    if (group.global?.role !== 'primary') return;
    const global = this.resources.get({ account: scope.account, region: GLOBAL_REGION }, 'global-group', group.global.id);
    for (const m of global?.members ?? []) {
      if (m.role !== 'secondary') continue;
      const memberScope = { account: scope.account, region: m.region };
      const secondary = this.resources.get(memberScope, 'replication-group', m.groupId);
      if (secondary) this.wireGroup(memberScope, secondary);
    }
  }

  private wireGroup(scope: Scope, group: ReplicationGroupRecord): void {
    if (group.shards) {
      const key = (id: string) => this.nodeKey(scope, id, '0001');
      this.nodes.formCluster(
        group.shards.map((s) => ({
          primary: key(s.primaryClusterId),
          replicas: s.members.filter((m) => m !== s.primaryClusterId).map(key),
          slots: s.slots,
        })),
      );
      // A secondary's shard primaries follow the datastore primary's shards, slot range for slot range.
      const upstream = this.globalUpstreamGroup(scope, group);
      group.shards.forEach((s, i) => {
        const source = upstream?.group.shards?.[i];
        if (source) this.nodes.replicaOf(key(s.primaryClusterId), this.nodeKey(upstream!.scope, source.primaryClusterId, '0001'));
      });
      return;
    }
    const primaryKey = this.nodeKey(scope, group.primaryClusterId, '0001');
    // The primary of a global datastore's secondary group follows the primary group in its own region.
    this.nodes.replicaOf(primaryKey, this.globalUpstream(scope, group));
    for (const member of group.memberClusters) {
      if (member !== group.primaryClusterId) this.nodes.replicaOf(this.nodeKey(scope, member, '0001'), primaryKey);
    }
  }

  private globalUpstream(scope: Scope, group: ReplicationGroupRecord): string | null {
    const upstream = this.globalUpstreamGroup(scope, group);
    return upstream ? this.nodeKey(upstream.scope, upstream.group.primaryClusterId, '0001') : null;
  }

  /** The datastore's primary group a secondary group follows, with the scope of its region. */
  private globalUpstreamGroup(scope: Scope, group: ReplicationGroupRecord): { scope: Scope; group: ReplicationGroupRecord } | undefined {
    if (group.global?.role !== 'secondary') return undefined;
    const global = this.resources.get({ account: scope.account, region: GLOBAL_REGION }, 'global-group', group.global.id);
    const primary = global?.members.find((m) => m.role === 'primary');
    if (!primary) return undefined;
    const primaryScope = { account: scope.account, region: primary.region };
    const primaryGroup = this.resources.get(primaryScope, 'replication-group', primary.groupId);
    return primaryGroup ? { scope: primaryScope, group: primaryGroup } : undefined;
  }

  /** The primary endpoint follows the group's current primary cluster. */
  primaryTarget(scope: Scope, groupId: string): number | undefined {
    const group = this.resources.get(scope, 'replication-group', groupId);
    if (!group) return undefined;
    return this.nodePort(scope, group.primaryClusterId, '0001');
  }

  /** The reader endpoint spreads new connections over the replicas, or the primary when there are none. */
  readerTarget(scope: Scope, groupId: string): number | undefined {
    const group = this.resources.get(scope, 'replication-group', groupId);
    if (!group) return undefined;
    const replicas = group.memberClusters
      .filter((c) => c !== group.primaryClusterId)
      .map((c) => this.nodePort(scope, c, '0001'))
      .filter((p): p is number => p !== undefined);
    if (replicas.length === 0) return this.primaryTarget(scope, groupId);
    const key = `${scopeKey(scope)}/${groupId}`;
    const next = (this.readerCursor.get(key) ?? 0) % replicas.length;
    this.readerCursor.set(key, next + 1);
    return replicas[next];
  }

  /** A Memcached configuration endpoint reaches one of the cluster's nodes, as its CNAME does. */
  configurationTarget(scope: Scope, clusterId: string): number | undefined {
    const cluster = this.resources.get(scope, 'cluster', clusterId);
    for (const n of cluster?.nodes ?? []) {
      const port = this.nodePort(scope, clusterId, n.id);
      if (port !== undefined) return port;
    }
    return undefined;
  }

  async openGroupEndpoints(scope: Scope, group: ReplicationGroupRecord): Promise<{ primary: number; reader: number; address?: string }> {
    const primary = await this.openNamedEndpoint(scope, group.id, 'primary', group.primaryEndpointPort, group.endpointAddress, () =>
      this.primaryTarget(scope, group.id),
    );
    const reader = await this.openEndpoint(scope, group.id, 'reader', group.readerEndpointPort, () =>
      this.readerTarget(scope, group.id),
    );
    return { primary: primary.port, reader, address: primary.address };
  }

  async closeGroupEndpoints(scope: Scope, groupId: string): Promise<void> {
    // A group going away takes its online-migration link with it.
    this.stopMigration(scope, groupId);
    await this.closeEndpoint(scope, groupId, 'primary');
    await this.closeEndpoint(scope, groupId, 'reader');
    await this.closeEndpoint(scope, groupId, 'configuration');
  }

  /**
   * A cluster-mode group's configuration endpoint reaches one of its primaries; clients then follow CLUSTER
   * SLOTS. It carries the group's port; while the group is only cluster-mode compatible the primary endpoint has that
   * port too, so the configuration endpoint has it at another loopback alias (the aws provider reads `port` from it).
   */
  async openConfigurationEndpoint(scope: Scope, group: ReplicationGroupRecord): Promise<{ port: number; address?: string }> {
    const resolve = () => {
      const fresh = this.resources.get(scope, 'replication-group', group.id);
      for (const shard of fresh?.shards ?? []) {
        const port = this.nodePort(scope, shard.primaryClusterId, '0001');
        if (port !== undefined) return port;
      }
      return undefined;
    };
    if (group.clusterModeCompatible) {
      return this.openNamedEndpoint(scope, group.id, 'configuration', group.configEndpointPort ?? group.primaryEndpointPort, group.configEndpointAddress, resolve);
    }
    return this.openNamedEndpoint(scope, group.id, 'configuration', group.configEndpointPort ?? 0, group.endpointAddress, resolve);
  }

  /** The replication link of a group migrating from a self-hosted Redis (one per group). */
  trackMigration(scope: Scope, groupId: string, link: { stop(): void }): void {
    this.stopMigration(scope, groupId);
    this.migrations.set(`${scopeKey(scope)}/${groupId}`, link);
  }

  stopMigration(scope: Scope, groupId: string): void {
    const key = `${scopeKey(scope)}/${groupId}`;
    this.migrations.get(key)?.stop();
    this.migrations.delete(key);
  }

  async stop(): Promise<void> {
    for (const link of this.migrations.values()) link.stop();
    this.migrations.clear();
    await Promise.all([...this.endpoints.values()].map((p) => p.close()));
    this.endpoints.clear();
    await this.nodes.stopAll();
  }
}
