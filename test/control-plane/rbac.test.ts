// RBAC through the SDK: users and user groups reach the nodes of a TLS replication group, and every
// change (ModifyUser, ModifyUserGroup, DeleteUser, UserGroupIdsToAdd/ToRemove) takes effect on live nodes.
import {
  CreateReplicationGroupCommand,
  CreateServerlessCacheCommand,
  CreateUserCommand,
  CreateUserGroupCommand,
  DeleteUserCommand,
  DeleteUserGroupCommand,
  DescribeReplicationGroupsCommand,
  DescribeServerlessCachesCommand,
  DescribeUserGroupsCommand,
  DescribeUsersCommand,
  ModifyReplicationGroupCommand,
  ModifyUserCommand,
  ModifyUserGroupCommand,
  waitUntilReplicationGroupAvailable,
} from '@aws-sdk/client-elasticache';
import { Redis } from 'ioredis';
import fs from 'node:fs';
import { createClient } from 'redis';
import { beforeAll, describe, expect, it } from 'vitest';
import { FAST_WAIT, emulatorForTests } from '../support/emulator.ts';
import { run } from '../support/exec.ts';

const { emulator, client } = emulatorForTests();
let ca: Buffer;

const PASS_APP = 'app-password-0123456789';
const PASS_APP2 = 'app-password-rotated-99';
const PASS_ADMIN = 'admin-password-0123456789';

beforeAll(async () => {
  ca = fs.readFileSync(emulator.caPath);
});

async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const groupStatus = async (id: string) => (await client.send(new DescribeUserGroupsCommand({ UserGroupId: id }))).UserGroups![0]!.Status;
const userStatus = async (id: string) => (await client.send(new DescribeUsersCommand({ UserId: id }))).Users![0]!.Status;

async function faultOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'no fault';
  } catch (err) {
    return (err as Error).name;
  }
}

function connect(port: number, username?: string, password?: string): Promise<Redis> {
  // ioredis 6 starts with HELLO 3 (carrying AUTH when it has credentials); as against redis-server, an
  // anonymous HELLO is refused where the default user needs a password, so anonymous clients speak RESP2.
  const protocol = username === undefined ? 2 : 3;
  const r = new Redis({ host: '127.0.0.1', port, tls: { ca }, username, password, protocol, lazyConnect: true, enableReadyCheck: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => undefined);
  return r.connect().then(() => r);
}

/** What AUTH answers on a fresh connection. */
async function authReply(port: number, username: string, password: string): Promise<string> {
  const r = await connect(port);
  try {
    return await r.auth(username, password);
  } catch (err) {
    return (err as Error).message;
  } finally {
    r.disconnect();
  }
}

describe('RBAC user groups on a replication group', () => {
  let port = 0;

  it('creates users and a group with the default user, and refuses what AWS refuses', async () => {
    await client.send(new CreateUserCommand({ UserId: 'app', UserName: 'app', Engine: 'redis', AccessString: 'on ~app:* &news:* +@read +@write +@pubsub -@dangerous', Passwords: [PASS_APP] }));
    await client.send(new CreateUserCommand({ UserId: 'admin', UserName: 'admin', Engine: 'redis', AccessString: 'on ~* +@all', Passwords: [PASS_ADMIN] }));
    await client.send(new CreateUserCommand({ UserId: 'locked-default', UserName: 'default', Engine: 'redis', AccessString: 'off ~* +@all', NoPasswordRequired: true }));
    expect(await faultOf(client.send(new CreateUserCommand({ UserId: 'app', UserName: 'other', Engine: 'redis', AccessString: 'on', NoPasswordRequired: true })))).toBe('UserAlreadyExistsFault');
    expect(await faultOf(client.send(new CreateUserCommand({ UserId: 'app2', UserName: 'app', Engine: 'redis', AccessString: 'on', NoPasswordRequired: true })))).toBe('DuplicateUserNameFault');
    expect(await faultOf(client.send(new CreateUserGroupCommand({ UserGroupId: 'nodefault', Engine: 'redis', UserIds: ['app'] })))).toBe('DefaultUserRequired');
    expect(await faultOf(client.send(new CreateUserGroupCommand({ UserGroupId: 'twodefaults', Engine: 'redis', UserIds: ['default', 'locked-default'] })))).toBe('DuplicateUserNameFault');

    const created = await client.send(new CreateUserGroupCommand({ UserGroupId: 'app-users', Engine: 'redis', UserIds: ['locked-default', 'app'] }));
    expect(created.Status).toBe('creating');
    expect(await until(() => groupStatus('app-users'), (s) => s === 'active')).toBe('active');

    expect(await faultOf(client.send(new CreateReplicationGroupCommand({ ReplicationGroupId: 'no-tls', ReplicationGroupDescription: 'x', Engine: 'redis', CacheNodeType: 'cache.t3.micro', UserGroupIds: ['app-users'] })))).toBe('InvalidParameterCombinationException');
    expect(await faultOf(client.send(new CreateReplicationGroupCommand({ ReplicationGroupId: 'no-group', ReplicationGroupDescription: 'x', Engine: 'redis', CacheNodeType: 'cache.t3.micro', TransitEncryptionEnabled: true, UserGroupIds: ['nosuch'] })))).toBe('UserGroupNotFoundFault');
  });

  it('serves the group users on the nodes over TLS with exact AUTH and NOPERM replies', async () => {
    await client.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: 'rbac',
        ReplicationGroupDescription: 'rbac',
        Engine: 'redis',
        CacheNodeType: 'cache.t3.micro',
        NumCacheClusters: 2,
        TransitEncryptionEnabled: true,
        UserGroupIds: ['app-users'],
      }),
    );
    expect(await groupStatus('app-users')).toBe('modifying');
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'rbac' });
    const group = (await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'rbac' }))).ReplicationGroups![0]!;
    expect(group.UserGroupIds).toEqual(['app-users']);
    port = group.NodeGroups![0]!.PrimaryEndpoint!.Port!;
    const ug = (await client.send(new DescribeUserGroupsCommand({ UserGroupId: 'app-users' }))).UserGroups![0]!;
    expect(ug.ReplicationGroups).toEqual(['rbac']);
    expect(await faultOf(client.send(new DeleteUserGroupCommand({ UserGroupId: 'app-users' })))).toBe('InvalidUserGroupStateFault');

    // The group's default user is off: a connection without AUTH may do nothing.
    const anon = await connect(port);
    await expect(anon.get('x')).rejects.toThrow('NOAUTH Authentication required.');
    await expect(anon.auth('app', 'wrong')).rejects.toThrow('WRONGPASS invalid username-password pair or user is disabled.');
    await expect(anon.auth('nosuch', 'x')).rejects.toThrow('WRONGPASS');
    anon.disconnect();

    const app = await connect(port, 'app', PASS_APP);
    expect(await app.call('ACL', 'WHOAMI').catch((e: Error) => e.message)).toBe("NOPERM this user has no permissions to run the 'acl|whoami' command");
    expect(await app.set('app:1', 'v')).toBe('OK');
    expect(await app.get('app:1')).toBe('v');
    await expect(app.get('other')).rejects.toThrow('NOPERM this user has no permissions to access one of the keys used as arguments');
    await expect(app.keys('*')).rejects.toThrow("NOPERM this user has no permissions to run the 'keys' command");
    await expect(app.flushall()).rejects.toThrow("NOPERM this user has no permissions to run the 'flushall' command");
    await expect(app.publish('other', 'm')).rejects.toThrow('NOPERM this user has no permissions to access one of the channels used as arguments');
    expect(await app.publish('news:1', 'm')).toBe(0);
    app.disconnect();

    // node-redis with RESP3 (HELLO 3 AUTH).
    const nr = createClient({ socket: { host: '127.0.0.1', port, tls: true, ca }, username: 'app', password: PASS_APP, RESP: 3 });
    nr.on('error', () => undefined);
    await nr.connect();
    expect(await nr.get('app:1')).toBe('v');
    await expect(nr.get('secret')).rejects.toThrow('NOPERM');
    await nr.quit();

    // redis-cli, as an operator reaches the node (redis-tools is installed by .ci/run).
    const cli = (...args: string[]) =>
      run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), '--tls', '--cacert', emulator.caPath, '--user', 'app', '--pass', PASS_APP, '--no-auth-warning', ...args]);
    expect((await cli('GET', 'app:1')).stdout.trim()).toBe('v');
    // Not on a terminal, redis-cli prints an error reply bare.
    expect((await cli('GET', 'secret')).stdout.trim()).toBe('NOPERM this user has no permissions to access one of the keys used as arguments');
    expect((await cli('CONFIG', 'GET', 'maxmemory')).stdout).toMatch(/^(NOPERM|ERR) /);
    const wrong = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), '--tls', '--cacert', emulator.caPath, '--user', 'app', '--pass', 'nope', '--no-auth-warning', 'PING']);
    expect(wrong.stdout + wrong.stderr).toContain('WRONGPASS invalid username-password pair or user is disabled.');

    expect(await authReply(port, 'admin', PASS_ADMIN)).toMatch(/^WRONGPASS/);
  });

  it('ModifyUser reaches live nodes at once: a new password works, the old one does not', async () => {
    const before = await connect(port, 'app', PASS_APP);
    const modified = await client.send(new ModifyUserCommand({ UserId: 'app', Passwords: [PASS_APP2], AccessString: 'on ~app:* ~shared:* &* +@all -@dangerous' }));
    expect(modified.Status).toBe('modifying');
    const after = await connect(port, 'app', PASS_APP2);
    expect(await after.set('shared:1', 'x')).toBe('OK');
    expect(await authReply(port, 'app', PASS_APP)).toBe('WRONGPASS invalid username-password pair or user is disabled.');
    // Connections made before keep working, with the new rules.
    expect(await before.get('shared:1')).toBe('x');
    before.disconnect();
    after.disconnect();
    expect(await until(() => userStatus('app'), (s) => s === 'active')).toBe('active');
  });

  it('ModifyUserGroup adds a user on the nodes; DeleteUser closes its connections', async () => {
    await client.send(new ModifyUserGroupCommand({ UserGroupId: 'app-users', UserIdsToAdd: ['admin'] }));
    const ug = (await client.send(new DescribeUserGroupsCommand({ UserGroupId: 'app-users' }))).UserGroups![0]!;
    expect(ug.Status).toBe('modifying');
    expect(ug.PendingChanges?.UserIdsToAdd).toEqual(['admin']);
    expect(await until(() => groupStatus('app-users'), (s) => s === 'active')).toBe('active');
    const admin = await connect(port, 'admin', PASS_ADMIN);
    expect(await admin.call('ACL', 'USERS')).toEqual(['admin', 'app', 'default']);
    expect(await admin.call('ACL', 'WHOAMI')).toBe('admin');
    // ElastiCache keeps users to the control plane.
    await expect(admin.call('ACL', 'SETUSER', 'x', 'on')).rejects.toThrow("ERR unknown subcommand 'SETUSER'. Try ACL HELP.");
    await expect(admin.call('ACL', 'DELUSER', 'app')).rejects.toThrow('ERR unknown subcommand');
    let closed = false;
    admin.on('end', () => (closed = true));

    const deleted = await client.send(new DeleteUserCommand({ UserId: 'admin' }));
    expect(deleted.Status).toBe('deleting');
    expect(await until(async () => closed, (c) => c)).toBe(true);
    expect(await authReply(port, 'admin', PASS_ADMIN)).toMatch(/^WRONGPASS/);
    expect(await userStatus('admin')).toBe('deleting');
    expect(await until(() => faultOf(client.send(new DescribeUsersCommand({ UserId: 'admin' }))), (f) => f === 'UserNotFoundFault')).toBe('UserNotFoundFault');
    expect(await faultOf(client.send(new DeleteUserCommand({ UserId: 'locked-default' })))).toBe('DefaultUserAssociatedToUserGroupFault');
  });

  it('UserGroupIdsToRemove opens the nodes to the default user again; UserGroupIdsToAdd closes them', async () => {
    await client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: 'rbac', UserGroupIdsToRemove: ['app-users'], ApplyImmediately: true }));
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'rbac' });
    const open = await connect(port);
    expect(await until(() => open.get('app:1').catch((e: Error) => e.message), (v) => v === 'v')).toBe('v');
    open.disconnect();
    expect(await until(() => groupStatus('app-users'), (s) => s === 'active')).toBe('active');

    await client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: 'rbac', UserGroupIdsToAdd: ['app-users'], ApplyImmediately: true }));
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'rbac' });
    const anon = await connect(port);
    expect(await until(() => anon.get('app:1').catch((e: Error) => e.message), (v) => v?.startsWith('NOAUTH') === true)).toMatch(/^NOAUTH/);
    anon.disconnect();
    expect(await faultOf(client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: 'rbac', UserGroupIdsToRemove: ['nosuch'], ApplyImmediately: true })))).toBe('UserGroupNotFoundFault');
  });
});

describe('RBAC on a serverless cache', () => {
  it('takes a user group at creation and enforces it', async () => {
    await client.send(new CreateUserCommand({ UserId: 'sl-default', UserName: 'default', Engine: 'redis', AccessString: 'on ~public:* +get', NoPasswordRequired: true }));
    await client.send(new CreateUserGroupCommand({ UserGroupId: 'sl-users', Engine: 'redis', UserIds: ['sl-default', 'app'] }));
    await until(() => groupStatus('sl-users'), (s) => s === 'active');
    await client.send(new CreateServerlessCacheCommand({ ServerlessCacheName: 'sl', Engine: 'redis', UserGroupId: 'sl-users' }));
    const cache = await until(
      async () => (await client.send(new DescribeServerlessCachesCommand({ ServerlessCacheName: 'sl' }))).ServerlessCaches![0]!,
      (c) => c.Status === 'available',
    );
    expect(cache.UserGroupId).toBe('sl-users');
    expect((await client.send(new DescribeUserGroupsCommand({ UserGroupId: 'sl-users' }))).UserGroups![0]!.ServerlessCaches).toEqual(['sl']);
    const anon = await connect(cache.Endpoint!.Port!);
    expect(await anon.get('public:x')).toBeNull();
    await expect(anon.set('public:x', '1')).rejects.toThrow("NOPERM this user has no permissions to run the 'set' command");
    anon.disconnect();
    const app = await connect(cache.Endpoint!.Port!, 'app', PASS_APP2);
    expect(await app.set('app:x', '1')).toBe('OK');
    app.disconnect();
  });
});
