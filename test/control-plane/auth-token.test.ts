import {
  CreateReplicationGroupCommand,
  DescribeReplicationGroupsCommand,
  ModifyReplicationGroupCommand,
  waitUntilReplicationGroupAvailable,
  type ModifyReplicationGroupMessage,
} from '@aws-sdk/client-elasticache';
import { Redis } from 'ioredis';
import { firstReply } from '../support/net.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import { FAST_WAIT, emulatorForTests } from '../support/emulator.ts';

const OLD = 'old-token-0123456789';
const NEW = 'new-token-!&#$^<>-AB';

const { emulator, client } = emulatorForTests();
let ca: Buffer;

beforeAll(async () => {
  ca = Buffer.from(await (await fetch(`${emulator.url}/_elasticache-local/ca.pem`)).text());
});

async function createGroup(id: string, token: string | undefined): Promise<{ host: string; port: number }> {
  await client.send(
    new CreateReplicationGroupCommand({
      ReplicationGroupId: id,
      ReplicationGroupDescription: 'auth tokens',
      Engine: 'redis',
      CacheNodeType: 'cache.t3.micro',
      NumCacheClusters: 2,
      TransitEncryptionEnabled: true,
      AuthToken: token,
    }),
  );
  await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: id });
  const g = await describeGroup(id);
  return { host: g.NodeGroups![0]!.PrimaryEndpoint!.Address!, port: g.NodeGroups![0]!.PrimaryEndpoint!.Port! };
}

async function describeGroup(id: string) {
  return (await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }))).ReplicationGroups![0]!;
}

async function modify(id: string, input: Omit<ModifyReplicationGroupMessage, 'ReplicationGroupId'>) {
  return (await client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: id, ApplyImmediately: true, ...input }))).ReplicationGroup!;
}

async function modifyError(id: string, input: Omit<ModifyReplicationGroupMessage, 'ReplicationGroupId'>) {
  return modify(id, input).then(
    () => undefined,
    (e: { name: string; message: string }) => e,
  );
}

/** AUTH with `password` on a new TLS connection: the server's reply line (+OK or its error). */
const authWith = async (endpoint: { host: string; port: number }, password: string) =>
  (await firstReply({ ...endpoint, ca }, `AUTH ${password}\r\n`)).trimEnd();

describe('AUTH token rotation', () => {
  it('ROTATE keeps the old token valid next to the new one, SET then keeps only the new one, and a client writing with the old token loses nothing', async () => {
    const endpoint = await createGroup('rotating', OLD);
    const before = await describeGroup('rotating');
    expect(before.AuthTokenEnabled).toBe(true);

    // SET is allowed only after ROTATE.
    expect(await modifyError('rotating', { AuthToken: NEW, AuthTokenUpdateStrategy: 'SET' })).toMatchObject({ name: 'InvalidParameterCombinationException' });

    // A client that keeps opening connections with the old token and writing, across the whole rotation.
    let stop = false;
    const acked: string[] = [];
    const failures: string[] = [];
    const writer = (async () => {
      for (let round = 0; !stop; round++) {
        const redis = new Redis({ ...endpoint, tls: { ca }, password: OLD, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        try {
          await redis.connect();
          for (let i = 0; i < 10; i++) {
            const key = `k:${round}:${i}`;
            await redis.set(key, key);
            acked.push(key);
          }
        } catch (e) {
          failures.push((e as Error).message);
        } finally {
          redis.disconnect();
        }
      }
    })();

    await expect.poll(() => acked.length).toBeGreaterThan(20);
    const rotating = await modify('rotating', { AuthToken: NEW, AuthTokenUpdateStrategy: 'ROTATE' });
    expect(rotating.PendingModifiedValues?.AuthTokenStatus).toBe('ROTATING');
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'rotating' });
    const rotated = await describeGroup('rotating');
    expect(rotated.PendingModifiedValues?.AuthTokenStatus).toBeUndefined();
    expect(rotated.AuthTokenLastModifiedDate!.getTime()).toBeGreaterThanOrEqual(before.AuthTokenLastModifiedDate!.getTime());
    expect(await authWith(endpoint, NEW)).toBe('+OK');
    expect(await authWith(endpoint, OLD)).toBe('+OK');
    const mark = acked.length;
    await expect.poll(() => acked.length).toBeGreaterThan(mark + 20);
    stop = true;
    await writer;
    expect(failures).toEqual([]);

    // Every acknowledged write is there, read with the new token.
    const reader = new Redis({ ...endpoint, tls: { ca }, password: NEW, lazyConnect: true });
    await reader.connect();
    const values = await reader.mget(...acked);
    expect(values).toEqual(acked);
    reader.disconnect();

    const setting = await modify('rotating', { AuthToken: NEW, AuthTokenUpdateStrategy: 'SET' });
    expect(setting.PendingModifiedValues?.AuthTokenStatus).toBe('SETTING');
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'rotating' });
    expect(await authWith(endpoint, NEW)).toBe('+OK');
    expect(await authWith(endpoint, OLD)).toBe('-WRONGPASS invalid username-password pair or user is disabled.');
    // After a SET, another SET needs another ROTATE first.
    expect(await modifyError('rotating', { AuthToken: NEW, AuthTokenUpdateStrategy: 'SET' })).toMatchObject({ name: 'InvalidParameterCombinationException' });
  });

  it('ROTATE is the default strategy, and two ROTATEs keep only the two newest tokens', async () => {
    const endpoint = await createGroup('twice', 'first-token-0123456');
    await modify('twice', { AuthToken: 'second-token-012345' });
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'twice' });
    await modify('twice', { AuthToken: 'third-token-0123456', AuthTokenUpdateStrategy: 'ROTATE' });
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'twice' });
    expect(await authWith(endpoint, 'third-token-0123456')).toBe('+OK');
    expect(await authWith(endpoint, 'second-token-012345')).toBe('+OK');
    expect(await authWith(endpoint, 'first-token-0123456')).toBe('-WRONGPASS invalid username-password pair or user is disabled.');
  });

  it('refuses DELETE except on the way to RBAC, and tokens AWS would refuse', async () => {
    await createGroup('strict', OLD);
    expect(await modifyError('strict', { AuthTokenUpdateStrategy: 'DELETE' })).toMatchObject({ name: 'InvalidParameterCombinationException' });
    expect(await modifyError('strict', { AuthToken: NEW, AuthTokenUpdateStrategy: 'DELETE', UserGroupIdsToAdd: ['g'] })).toMatchObject({
      name: 'InvalidParameterCombinationException',
    });
    expect(await modifyError('strict', { AuthTokenUpdateStrategy: 'SET' })).toMatchObject({ name: 'InvalidParameterCombinationException' });
    expect(await modifyError('strict', { AuthToken: NEW, AuthTokenUpdateStrategy: 'SPIN' as never })).toMatchObject({ name: 'InvalidParameterValueException' });
    for (const bad of ['short-token', 'x'.repeat(129), 'has a space in it 0123', 'has@at-sign-0123456789', 'has/slash-0123456789', 'has"quote-0123456789', 'has%percent-012345678', 'tab\there-0123456789']) {
      const err = await modifyError('strict', { AuthToken: bad });
      expect(err, bad).toMatchObject({ name: 'InvalidParameterValueException' });
    }
    // The aws provider sends an empty token with ROTATE after `terraform import` of a group without TLS.
    await client.send(new CreateReplicationGroupCommand({ ReplicationGroupId: 'plain', ReplicationGroupDescription: 'p', Engine: 'redis', CacheNodeType: 'cache.t3.micro' }));
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'plain' });
    expect(await modifyError('plain', { AuthToken: '', AuthTokenUpdateStrategy: 'ROTATE' })).toMatchObject({
      name: 'InvalidParameterValueException',
      message: 'The AUTH token modification is only supported when encryption-in-transit is enabled.',
    });
    for (const good of ['a'.repeat(16), 'A'.repeat(128), 'Aa0!&#$^<>-Aa0!&#$']) {
      await modify('strict', { AuthToken: good });
      await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'strict' });
    }
  });
});
