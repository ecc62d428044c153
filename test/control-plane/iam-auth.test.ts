// ElastiCache IAM authentication on the nodes: an IAM user of a TLS replication group's user group
// connects with `AUTH <user id> <token>`, the token presigned by the AWS SDK's signer; an expired or
// forged token, or one for another cache, gets WRONGPASS.
import {
  CreateReplicationGroupCommand,
  CreateUserCommand,
  CreateUserGroupCommand,
  DescribeReplicationGroupsCommand,
  DescribeUserGroupsCommand,
  waitUntilReplicationGroupAvailable,
} from '@aws-sdk/client-elasticache';
import { Redis } from 'ioredis';
import fs from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CREDENTIALS, FAST_WAIT, emulatorForTests } from '../support/emulator.ts';
import { iamToken } from '../support/iam-token.ts';

const { emulator, client } = emulatorForTests({ credentials: [CREDENTIALS] });
let ca: Buffer;

beforeAll(async () => {
  ca = fs.readFileSync(emulator.caPath);
});

async function authReply(port: number, user: string, token: string): Promise<string> {
  const r = new Redis({ host: '127.0.0.1', port, tls: { ca }, protocol: 2, lazyConnect: true, enableReadyCheck: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => undefined);
  await r.connect();
  try {
    const ok = await r.auth(user, token);
    return `${ok} ${await r.acl('WHOAMI')} ${await r.set('iam:k', 'v')}`;
  } catch (err) {
    return (err as Error).message;
  } finally {
    r.disconnect();
  }
}

describe('IAM authentication', () => {
  it('lets an IAM user in with a token signed for the cache and refuses expired, forged and misdirected ones', async () => {
    await client.send(new CreateUserCommand({ UserId: 'app-iam', UserName: 'app-iam', Engine: 'redis', AccessString: 'on ~iam:* +@all', AuthenticationMode: { Type: 'iam' } }));
    await client.send(new CreateUserCommand({ UserId: 'off-default', UserName: 'default', Engine: 'redis', AccessString: 'off ~* +@all', NoPasswordRequired: true }));
    await client.send(new CreateUserGroupCommand({ UserGroupId: 'iam-users', Engine: 'redis', UserIds: ['off-default', 'app-iam'] }));
    await expect.poll(async () => (await client.send(new DescribeUserGroupsCommand({ UserGroupId: 'iam-users' }))).UserGroups![0]!.Status).toBe('active');
    await client.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: 'iam-rg',
        ReplicationGroupDescription: 'iam',
        Engine: 'redis',
        CacheNodeType: 'cache.t3.micro',
        NumCacheClusters: 1,
        TransitEncryptionEnabled: true,
        UserGroupIds: ['iam-users'],
      }),
    );
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'iam-rg' });
    const rg = (await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'iam-rg' }))).ReplicationGroups![0]!;
    const port = rg.NodeGroups![0]!.PrimaryEndpoint!.Port!;

    expect(await authReply(port, 'app-iam', await iamToken('iam-rg', 'app-iam'))).toBe('OK app-iam OK');
    const wrongpass = 'WRONGPASS invalid username-password pair or user is disabled.';
    const expired = await iamToken('iam-rg', 'app-iam', { signingDate: new Date(Date.now() - 16 * 60_000) });
    expect(await authReply(port, 'app-iam', expired)).toBe(wrongpass);
    expect(await authReply(port, 'app-iam', await iamToken('iam-rg', 'app-iam', { secret: 'not-the-secret' }))).toBe(wrongpass);
    expect(await authReply(port, 'app-iam', await iamToken('other-rg', 'app-iam'))).toBe(wrongpass);
    expect(await authReply(port, 'app-iam', 'a-plain-password-000')).toBe(wrongpass);
  });
});
