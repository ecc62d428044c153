import {
  CreateReplicationGroupCommand,
  DescribeReplicationGroupsCommand,
  waitUntilReplicationGroupAvailable,
  type CreateReplicationGroupCommandInput,
  type ElastiCacheClient,
  type ReplicationGroup,
} from '@aws-sdk/client-elasticache';
import { FAST_WAIT } from './emulator.ts';

export interface Endpoint {
  host: string;
  port: number;
}

/** A Redis replication group created through the API and described once it is available. */
export async function availableGroup(
  api: ElastiCacheClient,
  input: Omit<CreateReplicationGroupCommandInput, 'ReplicationGroupDescription'>,
): Promise<ReplicationGroup> {
  const id = input.ReplicationGroupId!;
  await api.send(new CreateReplicationGroupCommand({ Engine: 'redis', CacheNodeType: 'cache.t3.micro', ReplicationGroupDescription: id, ...input }));
  await waitUntilReplicationGroupAvailable({ client: api, ...FAST_WAIT }, { ReplicationGroupId: id });
  return describeGroup(api, id);
}

export async function describeGroup(api: ElastiCacheClient, id: string): Promise<ReplicationGroup> {
  return (await api.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }))).ReplicationGroups![0]!;
}

/** The endpoint a user is told to use: the configuration endpoint in cluster mode, else the primary's. */
export function userEndpoint(group: ReplicationGroup): Endpoint {
  const ep = group.ConfigurationEndpoint ?? group.NodeGroups![0]!.PrimaryEndpoint!;
  return { host: ep.Address!, port: ep.Port! };
}

export function readerEndpoint(group: ReplicationGroup): Endpoint {
  const ep = group.NodeGroups![0]!.ReaderEndpoint!;
  return { host: ep.Address!, port: ep.Port! };
}

/** Polls until `f` yields a value other than undefined. */
export async function until<T>(f: () => Promise<T | undefined> | T | undefined, ms = 15_000, what = ''): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`condition not met in time ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The three places the library tests point an application at, one replication group each. */
export interface LibraryTargets {
  /** Primary endpoint of a group with one replica. */
  primary: Endpoint;
  /** Configuration endpoint of a two-shard cluster-mode group. */
  config: Endpoint;
  /** Primary endpoint of a TLS group whose AUTH token is `token`. */
  secure: Endpoint;
}

/**
 * Creates `<id>`, `<id>-cluster` and `<id>-tls` side by side. Parameter groups, when given, go to the plain and
 * TLS groups (`plain`) and the cluster-mode group (`cluster`). REAL_PORT=<port of a redis-server> points the
 * primary-endpoint scenarios at the real thing instead, to compare the library's behaviour.
 */
export async function libraryTargets(api: ElastiCacheClient, id: string, token: string, parameterGroups: { plain?: string; cluster?: string } = {}): Promise<LibraryTargets> {
  const [plain, sharded, encrypted] = await Promise.all([
    availableGroup(api, { ReplicationGroupId: id, NumCacheClusters: 2, CacheParameterGroupName: parameterGroups.plain }),
    availableGroup(api, { ReplicationGroupId: `${id}-cluster`, NumNodeGroups: 2, ReplicasPerNodeGroup: 1, CacheParameterGroupName: parameterGroups.cluster }),
    availableGroup(api, { ReplicationGroupId: `${id}-tls`, NumCacheClusters: 2, CacheParameterGroupName: parameterGroups.plain, TransitEncryptionEnabled: true, AuthToken: token }),
  ]);
  return { primary: realPortOverride(userEndpoint(plain)), config: userEndpoint(sharded), secure: userEndpoint(encrypted) };
}

/** The endpoint, or a local redis-server's when REAL_PORT is set (to run a library test against the real thing). */
export function realPortOverride(ep: Endpoint): Endpoint {
  return process.env.REAL_PORT ? { ...ep, port: Number(process.env.REAL_PORT) } : ep;
}
