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
