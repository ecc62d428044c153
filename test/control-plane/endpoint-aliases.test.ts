// Several replication groups on one port, as on AWS (every group's endpoint has a DNS name of its own, all on
// 6379): the second group whose port is taken at 127.0.0.1 gets it at another loopback address, so Terraform,
// which reads the port back and replaces a group whose port differs from the one configured (or from 6379
// when unset), plans no change. Linux only: all of 127.0.0.0/8 is loopback there.
import { DeleteReplicationGroupCommand, ModifyReplicationGroupCommand, waitUntilReplicationGroupDeleted } from '@aws-sdk/client-elasticache';
import { Cluster, Redis } from 'ioredis';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/index.ts';
import { FAST_WAIT, sdkClient, startEmulator } from '../support/emulator.ts';
import { availableGroup, describeGroup, userEndpoint, type Endpoint } from '../support/groups.ts';
import { firstReply } from '../support/net.ts';

// A block no other test file uses (ports 23400-23449, lifecycle-failures 23480-23490, lifecycle-restart
// 23500-23539, lifecycle-network/property 23600-23699), below the OS's ephemeral ports.
const NAMED = 23700;
const RANGE = '23701-23729';
const linux = process.platform === 'linux';
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecl-aliases-'));
const opened: { stop(): Promise<void> }[] = [];
afterAll(async () => {
  for (const e of opened.reverse()) await e.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function emulatorOn(options: object = {}): Promise<Emulator> {
  const e = await startEmulator({ dataDir, nodePortRange: RANGE, redisDefaultPort: NAMED, transitionDelayMs: 50, ...options });
  opened.push(e);
  return e;
}

async function roundTrip(ep: Endpoint, key: string, value: string): Promise<string | null> {
  const client = new Redis({ host: ep.host, port: ep.port, lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    const before = await client.get(key);
    await client.set(key, value);
    return before;
  } finally {
    client.disconnect();
  }
}

describe.runIf(linux)('groups that share a port get loopback addresses of their own', () => {
  it('the first group holds the port at 127.0.0.1, the next ones at 127.0.0.2, 3 ...; each is its own server; a delete frees its address; a restart keeps them', async () => {
    // Another program (a Redis of the user's own) holds the port at 127.0.0.1 only, as Debian's redis-server does.
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(NAMED, '127.0.0.1', resolve));
    let emulator = await emulatorOn();
    let api = sdkClient(emulator);

    const first = userEndpoint(await availableGroup(api, { ReplicationGroupId: 'first', NumCacheClusters: 2 }));
    expect(first).toEqual({ host: '127.0.0.2', port: NAMED });
    await new Promise<void>((resolve) => holder.close(() => resolve()));

    // Free at the host now: a cluster-mode group's configuration endpoint takes it there.
    const second = userEndpoint(await availableGroup(api, { ReplicationGroupId: 'second', NumNodeGroups: 2, ReplicasPerNodeGroup: 0 }));
    expect(second).toEqual({ host: '127.0.0.1', port: NAMED });
    // Port asked for explicitly, as Terraform's `port = 6379`: the same number at the next address.
    const third = userEndpoint(await availableGroup(api, { ReplicationGroupId: 'third', NumCacheClusters: 1, Port: NAMED }));
    expect(third).toEqual({ host: '127.0.0.3', port: NAMED });

    // Each address reaches its own group's data.
    expect(await roundTrip(first, 'who', 'first')).toBeNull();
    expect(await roundTrip(third, 'who', 'third')).toBeNull();
    expect(await roundTrip(first, 'who', 'first again')).toBe('first');
    const cluster = new Cluster([second], { lazyConnect: true, redisOptions: { maxRetriesPerRequest: 1 } });
    try {
      await cluster.connect();
      expect(await cluster.get('who')).toBeNull();
      await cluster.set('who', 'second');
    } finally {
      cluster.disconnect();
    }
    // The reader endpoint of an aliased group stays at the host, on a range port.
    const firstGroup = await describeGroup(api, 'first');
    expect(firstGroup.NodeGroups![0]!.ReaderEndpoint!.Address).toBe('127.0.0.1');

    // A deleted group's address is the next group's.
    await api.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: 'first' }));
    await waitUntilReplicationGroupDeleted({ client: api, ...FAST_WAIT }, { ReplicationGroupId: 'first' });
    const fourth = userEndpoint(await availableGroup(api, { ReplicationGroupId: 'fourth', NumCacheClusters: 1 }));
    expect(fourth).toEqual({ host: '127.0.0.2', port: NAMED });

    // TLS at an alias: the certificate names the address, so a client that verifies it connects.
    const secure = userEndpoint(await availableGroup(api, { ReplicationGroupId: 'secure', NumCacheClusters: 1, TransitEncryptionEnabled: true }));
    expect(secure).toEqual({ host: '127.0.0.4', port: NAMED });
    const ca = Buffer.from(await (await fetch(`${emulator.url}/_elasticache-local/ca.pem`)).text());
    expect(await firstReply({ ...secure, ca }, 'PING\r\n')).toBe('+PONG\r\n');

    // A restart brings every endpoint back where it was, data included.
    api.destroy();
    await emulator.stop();
    opened.pop();
    emulator = await emulatorOn();
    api = sdkClient(emulator);
    expect(userEndpoint(await describeGroup(api, 'third'))).toEqual({ host: '127.0.0.3', port: NAMED });
    expect(userEndpoint(await describeGroup(api, 'fourth'))).toEqual({ host: '127.0.0.2', port: NAMED });
    expect(userEndpoint(await describeGroup(api, 'second'))).toEqual({ host: '127.0.0.1', port: NAMED });
    expect(await roundTrip({ host: '127.0.0.3', port: NAMED }, 'who', 'x')).toBe('third');

    // Cluster mode compatible: the primary keeps the group's port, and the configuration endpoint (where the aws
    // provider reads `port` from) has it too, at the next free address (.1 to .4 have it already).
    await api.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: 'third', ClusterMode: 'compatible', ApplyImmediately: true }));
    await waitForAvailable(api, 'third');
    const compatible = await describeGroup(api, 'third');
    expect(compatible.NodeGroups![0]!.PrimaryEndpoint).toEqual({ Address: '127.0.0.3', Port: NAMED });
    expect(compatible.ConfigurationEndpoint).toEqual({ Address: '127.0.0.5', Port: NAMED });
    expect(await roundTrip({ host: '127.0.0.5', port: NAMED }, 'who', 'y')).toBe('x');
    api.destroy();
  }, 90_000);

  it('--loopback-aliases off: a taken port moves the endpoint into the range instead', async () => {
    const own = fs.mkdtempSync(path.join(os.tmpdir(), 'ecl-no-aliases-'));
    const emulator = await startEmulator({ dataDir: own, nodePortRange: '23730-23749', redisDefaultPort: NAMED + 50, loopbackAliases: false, transitionDelayMs: 50 });
    const api = sdkClient(emulator);
    try {
      const a = userEndpoint(await availableGroup(api, { ReplicationGroupId: 'a', NumCacheClusters: 1 }));
      const b = userEndpoint(await availableGroup(api, { ReplicationGroupId: 'b', NumCacheClusters: 1 }));
      expect(a).toEqual({ host: '127.0.0.1', port: NAMED + 50 });
      expect(b.host).toBe('127.0.0.1');
      expect(b.port).toBeGreaterThanOrEqual(23730);
      expect(b.port).toBeLessThanOrEqual(23749);
    } finally {
      api.destroy();
      await emulator.stop();
      fs.rmSync(own, { recursive: true, force: true });
    }
  }, 60_000);
});

async function waitForAvailable(api: ReturnType<typeof sdkClient>, id: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if ((await describeGroup(api, id)).Status === 'available') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${id} never became available`);
}
