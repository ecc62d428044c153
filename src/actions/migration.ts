import type * as ec from '@aws-sdk/client-elasticache';
import { probeSource, startMigrationLink } from '../lifecycle/migration.ts';
import { fault, invalidValue, missingParameter } from '../protocol/errors.ts';
import type { ReplicationGroupRecord } from '../store/records.ts';
import { define, type ActionTable } from './registry.ts';
import { describeGroup, requireGroup } from './replication-groups.ts';

function sourceEndpoint(list: ec.CustomerNodeEndpoint[] | undefined): { address: string; port: number } {
  if (!list?.length) throw missingParameter('CustomerNodeEndpointList');
  if (list.length > 1) throw invalidValue('Exactly one customer node endpoint (the source primary) is supported.');
  const { Address, Port } = list[0]!;
  if (!Address) throw missingParameter('CustomerNodeEndpointList.member.1.Address');
  if (Port === undefined || Port < 1 || Port > 65535) throw invalidValue('CustomerNodeEndpointList.member.1.Port must be a port number.');
  return { address: Address, port: Port };
}

function checkTarget(group: ReplicationGroupRecord): void {
  if (group.status !== 'available') {
    throw fault('InvalidReplicationGroupStateFault', `Replication group ${group.id} is not in available state (current state: ${group.status}).`);
  }
  if (group.shards) throw invalidValue('Online migration into a cluster mode enabled group is not supported by elasticache-local yet.');
  if (group.transitEncryption || group.authTokenEnabled) {
    throw invalidValue('Online migration requires a target with encryption in transit and AUTH disabled, as on AWS.');
  }
}

export const migrationActions: ActionTable = {
  StartMigration: define<ec.StartMigrationMessage, ec.StartMigrationResponse>((input, { world, scope }) => {
    const group = requireGroup(world, scope, input.ReplicationGroupId);
    if (group.migration) throw fault('ReplicationGroupAlreadyUnderMigrationFault', `Replication group ${group.id} is already under migration.`);
    const source = sourceEndpoint(input.CustomerNodeEndpointList);
    checkTarget(group);
    group.migration = source;
    world.resources.put(scope, 'replication-group', group.id, group);
    world.event(scope, 'replication-group', group.id, `Migration from ${source.address}:${source.port} started`);
    startMigrationLink(world, scope, group.id);
    return { ReplicationGroup: describeGroup(world, scope, group) };
  }),

  TestMigration: define<ec.TestMigrationMessage, ec.TestMigrationResponse>((input, { world, scope }) => {
    const group = requireGroup(world, scope, input.ReplicationGroupId);
    const source = sourceEndpoint(input.CustomerNodeEndpointList);
    checkTarget(group);
    world.later(async () => {
      const problem = await probeSource(source.address, source.port);
      world.event(
        scope,
        'replication-group',
        group.id,
        problem ? `Test migration from ${source.address}:${source.port} failed: ${problem}` : `Test migration from ${source.address}:${source.port} succeeded`,
      );
    }, 0);
    return { ReplicationGroup: describeGroup(world, scope, group) };
  }),

  CompleteMigration: define<ec.CompleteMigrationMessage, ec.CompleteMigrationResponse>((input, { world, scope }) => {
    const group = requireGroup(world, scope, input.ReplicationGroupId);
    if (!group.migration) throw fault('ReplicationGroupNotUnderMigrationFault', `Replication group ${group.id} is not under migration.`);
    world.runtime.stopMigration(scope, group.id);
    world.event(scope, 'replication-group', group.id, `Migration from ${group.migration.address}:${group.migration.port} completed`);
    group.migration = undefined;
    world.resources.put(scope, 'replication-group', group.id, group);
    return { ReplicationGroup: describeGroup(world, scope, group) };
  }),
};
