import {
  CreateReplicationGroupCommand,
  DescribeReplicationGroupsCommand,
  ModifyReplicationGroupCommand,
  waitUntilReplicationGroupAvailable,
  type ModifyReplicationGroupMessage,
} from '@aws-sdk/client-elasticache';
import { firstReply } from '../support/net.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import { FAST_WAIT, emulatorForTests } from '../support/emulator.ts';

const { emulator, client } = emulatorForTests();
let ca: Buffer;

beforeAll(async () => {
  ca = Buffer.from(await (await fetch(`${emulator.url}/_elasticache-local/ca.pem`)).text());
});

const describeGroup = async (id: string) => (await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }))).ReplicationGroups![0]!;

async function modify(id: string, input: Omit<ModifyReplicationGroupMessage, 'ReplicationGroupId'>) {
  return (await client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: id, ApplyImmediately: true, ...input }))).ReplicationGroup!;
}

const refusal = (id: string, input: Omit<ModifyReplicationGroupMessage, 'ReplicationGroupId'>) =>
  modify(id, input).then(
    () => undefined,
    (e: { name: string }) => e.name,
  );

/** One command over plaintext or TLS: the reply, or 'closed' when the server hangs up without one. */
const ask = (port: number, secure: boolean, command: string) => firstReply({ port, ca: secure ? ca : undefined }, command);

async function create(id: string, transit: boolean, mode?: 'preferred' | 'required'): Promise<number> {
  await client.send(
    new CreateReplicationGroupCommand({
      ReplicationGroupId: id,
      ReplicationGroupDescription: 'tls modes',
      Engine: 'redis',
      CacheNodeType: 'cache.t3.micro',
      NumCacheClusters: 2,
      TransitEncryptionEnabled: transit,
      TransitEncryptionMode: mode,
    }),
  );
  await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: id });
  return (await describeGroup(id)).NodeGroups![0]!.PrimaryEndpoint!.Port!;
}

describe('TransitEncryptionMode', () => {
  it('preferred serves TLS and plaintext clients on the same port', async () => {
    const port = await create('both', true, 'preferred');
    expect((await describeGroup('both')).TransitEncryptionMode).toBe('preferred');
    expect(await ask(port, false, 'SET plain 1\r\n')).toBe('+OK\r\n');
    expect(await ask(port, true, 'SET secure 2\r\n')).toBe('+OK\r\n');
    expect(await ask(port, false, 'GET secure\r\n')).toBe('$1\r\n2\r\n');
    expect(await ask(port, true, 'GET plain\r\n')).toBe('$1\r\n1\r\n');
  });

  it('moves a plaintext group to preferred and then required as AWS allows, keeping its data, and refuses the rest', async () => {
    const port = await create('migrating', false);
    expect(await ask(port, false, 'SET k v\r\n')).toBe('+OK\r\n');
    expect(await refusal('migrating', { TransitEncryptionEnabled: true })).toBe('InvalidParameterCombinationException');
    expect(await refusal('migrating', { TransitEncryptionEnabled: true, TransitEncryptionMode: 'required' })).toBe('InvalidParameterCombinationException');
    expect(await refusal('migrating', { TransitEncryptionMode: 'preferred' })).toBe('InvalidParameterCombinationException');
    expect(await refusal('migrating', { TransitEncryptionEnabled: true, TransitEncryptionMode: 'sometimes' as never })).toBe('InvalidParameterValueException');

    const pending = await modify('migrating', { TransitEncryptionEnabled: true, TransitEncryptionMode: 'preferred' });
    expect(pending.PendingModifiedValues).toMatchObject({ TransitEncryptionEnabled: true, TransitEncryptionMode: 'preferred' });
    expect(pending.TransitEncryptionEnabled).toBe(false);
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'migrating' });
    const preferred = await describeGroup('migrating');
    expect(preferred).toMatchObject({ TransitEncryptionEnabled: true, TransitEncryptionMode: 'preferred' });
    expect(preferred.PendingModifiedValues?.TransitEncryptionMode).toBeUndefined();
    expect(await ask(port, false, 'GET k\r\n')).toBe('$1\r\nv\r\n');
    expect(await ask(port, true, 'GET k\r\n')).toBe('$1\r\nv\r\n');

    await modify('migrating', { TransitEncryptionMode: 'required' });
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'migrating' });
    expect((await describeGroup('migrating')).TransitEncryptionMode).toBe('required');
    expect(await ask(port, true, 'GET k\r\n')).toBe('$1\r\nv\r\n');
    expect(await ask(port, false, 'GET k\r\n')).toBe('closed');

    // Back down one step at a time: required -> off is refused, required -> preferred -> off is not.
    expect(await refusal('migrating', { TransitEncryptionEnabled: false })).toBe('InvalidParameterCombinationException');
    await modify('migrating', { TransitEncryptionMode: 'preferred' });
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'migrating' });
    await modify('migrating', { TransitEncryptionEnabled: false });
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'migrating' });
    const off = await describeGroup('migrating');
    expect(off.TransitEncryptionEnabled).toBe(false);
    expect(off.TransitEncryptionMode).toBeUndefined();
    expect(await ask(port, false, 'GET k\r\n')).toBe('$1\r\nv\r\n');
  });

  it('refuses to turn transit encryption off while an AUTH token is enabled', async () => {
    await client.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: 'tokened',
        ReplicationGroupDescription: 'tls modes',
        Engine: 'redis',
        CacheNodeType: 'cache.t3.micro',
        TransitEncryptionEnabled: true,
        TransitEncryptionMode: 'preferred',
        AuthToken: 'a-token-of-16-chars',
      }),
    );
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'tokened' });
    expect(await refusal('tokened', { TransitEncryptionEnabled: false })).toBe('InvalidParameterCombinationException');
  });
});
