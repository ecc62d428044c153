import {
  CreateReplicationGroupCommand,
  CreateUserCommand,
  CreateUserGroupCommand,
  DeleteUserCommand,
  DeleteUserGroupCommand,
  DescribeUserGroupsCommand,
  DescribeUsersCommand,
  ModifyUserCommand,
  ModifyUserGroupCommand,
} from '@aws-sdk/client-elasticache';
import { describe, expect, it } from 'vitest';
import { sdkClient, emulatorForTests } from '../support/emulator.ts';

const { emulator } = emulatorForTests({ transitionDelayMs: 100 });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('RBAC users and user groups', () => {
  it('has the default user, creates users, groups them, modifies and deletes', async () => {
    const client = sdkClient(emulator);
    const initial = await client.send(new DescribeUsersCommand({}));
    expect(initial.Users).toEqual([
      expect.objectContaining({ UserId: 'default', UserName: 'default', AccessString: 'on ~* +@all', Authentication: { Type: 'no-password', PasswordCount: 0 } }),
    ]);

    const reader = await client.send(
      new CreateUserCommand({
        UserId: 'reader',
        UserName: 'reader',
        Engine: 'redis',
        AccessString: 'on ~app:* -@all +@read',
        Passwords: ['a-very-long-password-1'],
      }),
    );
    expect(reader).toMatchObject({ Status: 'active', Authentication: { Type: 'password', PasswordCount: 1 }, MinimumEngineVersion: '6.0' });
    await expect(
      client.send(new CreateUserCommand({ UserId: 'reader2', UserName: 'reader', Engine: 'redis', AccessString: 'on', NoPasswordRequired: true })),
    ).rejects.toMatchObject({ name: 'DuplicateUserNameFault' });
    await expect(
      client.send(new CreateUserCommand({ UserId: 'reader', UserName: 'other', Engine: 'redis', AccessString: 'on', NoPasswordRequired: true })),
    ).rejects.toMatchObject({ name: 'UserAlreadyExistsFault' });
    await expect(
      client.send(new CreateUserCommand({ UserId: 'bad', UserName: 'bad', Engine: 'redis', AccessString: 'on >inline-password', NoPasswordRequired: true })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    await expect(
      client.send(new CreateUserCommand({ UserId: 'short', UserName: 'short', Engine: 'redis', AccessString: 'on', Passwords: ['short'] })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException' });

    await expect(
      client.send(new CreateUserGroupCommand({ UserGroupId: 'no-default', Engine: 'redis', UserIds: ['reader'] })),
    ).rejects.toMatchObject({ name: 'DefaultUserRequired' });
    const group = await client.send(new CreateUserGroupCommand({ UserGroupId: 'app-users', Engine: 'redis', UserIds: ['default', 'reader'] }));
    expect(group.Status).toBe('creating');
    await sleep(300);
    let described = (await client.send(new DescribeUserGroupsCommand({ UserGroupId: 'app-users' }))).UserGroups![0]!;
    expect(described).toMatchObject({ Status: 'active', UserIds: ['default', 'reader'] });
    expect((await client.send(new DescribeUsersCommand({ UserId: 'reader' }))).Users![0]!.UserGroupIds).toEqual(['app-users']);

    await client.send(new CreateUserCommand({ UserId: 'writer', UserName: 'writer', Engine: 'redis', AccessString: 'on ~* +@all', NoPasswordRequired: true }));
    const modifying = await client.send(new ModifyUserGroupCommand({ UserGroupId: 'app-users', UserIdsToAdd: ['writer'], UserIdsToRemove: ['reader'] }));
    expect(modifying).toMatchObject({ Status: 'modifying', PendingChanges: { UserIdsToAdd: ['writer'], UserIdsToRemove: ['reader'] } });
    await sleep(300);
    described = (await client.send(new DescribeUserGroupsCommand({ UserGroupId: 'app-users' }))).UserGroups![0]!;
    expect(described).toMatchObject({ Status: 'active', UserIds: ['default', 'writer'] });

    const modified = await client.send(new ModifyUserCommand({ UserId: 'reader', AppendAccessString: '+@write' }));
    expect(modified.AccessString).toBe('on ~app:* -@all +@read +@write');
    await expect(client.send(new ModifyUserCommand({ UserId: 'default', AccessString: 'off' }))).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
    });

    await expect(
      client.send(new CreateReplicationGroupCommand({
        ReplicationGroupId: 'rbac', ReplicationGroupDescription: 'r', Engine: 'redis', CacheNodeType: 'cache.t3.micro', UserGroupIds: ['nope'],
      })),
    ).rejects.toMatchObject({ name: 'UserGroupNotFoundFault' });

    const deleted = await client.send(new DeleteUserCommand({ UserId: 'writer' }));
    expect(deleted.Status).toBe('deleting');
    expect((await client.send(new DescribeUserGroupsCommand({ UserGroupId: 'app-users' }))).UserGroups![0]!.UserIds).toEqual(['default']);
    await client.send(new DeleteUserGroupCommand({ UserGroupId: 'app-users' }));
    // Described as deleting first, then gone, as on AWS.
    for (let i = 0; i < 200; i++) {
      const found = await client.send(new DescribeUserGroupsCommand({ UserGroupId: 'app-users' })).then(() => true, () => false);
      if (!found) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    await expect(client.send(new DescribeUserGroupsCommand({ UserGroupId: 'app-users' }))).rejects.toMatchObject({ name: 'UserGroupNotFoundFault' });
    await expect(client.send(new DeleteUserCommand({ UserId: 'default' }))).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    client.destroy();
  });

  it('takes AuthenticationMode with NoPasswordRequired false, as the aws provider sends every user', async () => {
    const client = sdkClient(emulator);
    const modes = [
      { UserId: 'tf-pw', AuthenticationMode: { Type: 'password' as const, Passwords: ['password123456789'] } },
      { UserId: 'tf-iam', AuthenticationMode: { Type: 'iam' as const } },
      { UserId: 'tf-none', AuthenticationMode: { Type: 'no-password-required' as const } },
    ];
    for (const m of modes) {
      await client.send(new CreateUserCommand({ ...m, UserName: m.UserId, Engine: 'redis', AccessString: 'on ~* +@all', NoPasswordRequired: false }));
    }
    const types = (await client.send(new DescribeUsersCommand({}))).Users!.filter((u) => u.UserId!.startsWith('tf-')).map((u) => [u.UserId, u.Authentication]);
    expect(types).toEqual([
      ['tf-pw', { Type: 'password', PasswordCount: 1 }],
      ['tf-iam', { Type: 'iam', PasswordCount: 0 }],
      ['tf-none', { Type: 'no-password', PasswordCount: 0 }],
    ]);
    await expect(
      client.send(new CreateUserCommand({ UserId: 'tf-both', UserName: 'b', Engine: 'redis', AccessString: 'on', AuthenticationMode: { Type: 'iam' }, NoPasswordRequired: true })),
    ).rejects.toMatchObject({ name: 'InvalidParameterCombinationException' });
    client.destroy();
  });
});
