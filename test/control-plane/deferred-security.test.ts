// Token and transit-encryption changes that wait for the maintenance window (ApplyImmediately false)
// meet the same rules as immediate ones: AWS refuses them when they arrive, not in the window.
import {
  CreateReplicationGroupCommand,
  DescribeReplicationGroupsCommand,
  ModifyReplicationGroupCommand,
  waitUntilReplicationGroupAvailable,
} from '@aws-sdk/client-elasticache';
import { beforeAll, describe, expect, it } from 'vitest';
import { FAST_WAIT, emulatorForTests } from '../support/emulator.ts';

const { client } = emulatorForTests();
const TOKEN = 'first-token-0123456789';
const NEXT = 'second-token-0123456789';

beforeAll(async () => {
  const base = { ReplicationGroupDescription: 'd', Engine: 'redis', EngineVersion: '7.1', CacheNodeType: 'cache.t3.micro', NumCacheClusters: 1 };
  await client.send(new CreateReplicationGroupCommand({ ...base, ReplicationGroupId: 'tokened', TransitEncryptionEnabled: true, AuthToken: TOKEN }));
  await client.send(new CreateReplicationGroupCommand({ ...base, ReplicationGroupId: 'plain' }));
  await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'tokened' });
  await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'plain' });
}, 120_000);

const modify = (ReplicationGroupId: string, changes: object) =>
  client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId, ApplyImmediately: false, ...changes }));

describe('deferred security changes', () => {
  it('AUTH token: SET only after ROTATE, DELETE without a token, ROTATE waits for the window', async () => {
    await expect(modify('tokened', { AuthToken: NEXT, AuthTokenUpdateStrategy: 'SET' })).rejects.toMatchObject({
      name: 'InvalidParameterCombinationException',
      message: 'AuthTokenUpdateStrategy SET is allowed only after ROTATE.',
    });
    await expect(modify('tokened', { AuthToken: NEXT, AuthTokenUpdateStrategy: 'DELETE' })).rejects.toMatchObject({
      name: 'InvalidParameterCombinationException',
      message: 'AuthToken cannot be specified with AuthTokenUpdateStrategy DELETE.',
    });
    await expect(modify('tokened', { AuthTokenUpdateStrategy: 'BOGUS', AuthToken: NEXT })).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    await modify('tokened', { AuthToken: NEXT, AuthTokenUpdateStrategy: 'ROTATE' });
    const g = (await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'tokened' }))).ReplicationGroups![0]!;
    expect(g.AuthTokenEnabled).toBe(true);
  });

  it('transit encryption: off to required is refused, off to preferred waits for the window', async () => {
    await expect(modify('plain', { TransitEncryptionEnabled: true, TransitEncryptionMode: 'required' })).rejects.toMatchObject({
      name: 'InvalidParameterCombinationException',
      message: expect.stringContaining('set TransitEncryptionEnabled to true and TransitEncryptionMode to preferred'),
    });
    await expect(modify('plain', { TransitEncryptionEnabled: false, TransitEncryptionMode: 'preferred' })).rejects.toMatchObject({
      name: 'InvalidParameterCombinationException',
    });
    await modify('plain', { TransitEncryptionEnabled: true, TransitEncryptionMode: 'preferred' });
    const g = (await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'plain' }))).ReplicationGroups![0]!;
    expect(g.TransitEncryptionEnabled).toBe(false);
  });
});
