// ElastiCache takes a replication group's backups from a replica. A replica on the primary's thread
// holds the primary's value objects (replication-share.ts), so while a snapshot of the replica copies a
// big value across slices, the primary's writes must wait too, or the saved value mixes two instants.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dumpRdbSliced } from '../../../engines/redis/rdb/node-rdb.ts';
import { readRdb } from '../../../engines/redis/rdb/reader.ts';
import { RawClient, startServer, type Started } from './helpers.ts';

const N = 200_000;
let primary: Started;
let replica: Started;
let client: RawClient;

beforeAll(async () => {
  primary = await startServer();
  replica = await startServer();
  client = await RawClient.connect(primary.port);
  for (let i = 0; i < N; i += 10_000) await client.call('RPUSH', 'l', ...Array.from({ length: 10_000 }, (_, j) => `e${i + j}`));
  replica.server.replicaOf(primary.server);
  const probe = await RawClient.connect(replica.port);
  const end = Date.now() + 30_000;
  while ((await probe.call('LLEN', 'l')) !== `:${N}\r\n`) {
    if (Date.now() > end) throw new Error('replica never synced');
    await new Promise((r) => setTimeout(r, 20));
  }
  probe.close();
}, 60_000);

afterAll(async () => {
  client.close();
  await replica.server.close();
  await primary.server.close();
});

it('a replica snapshot taken while the primary writes into the value it copies holds that value at one instant', async () => {
  let stop = false;
  let writes = 0;
  // Each round moves the tail to the head in one command: after w rounds the list reads
  // e(N-w) .. e(N-1), e0 .. e(N-w-1), whatever instant is saved.
  const writer = (async () => {
    while (!stop) {
      await client.call('LMOVE', 'l', 'l', 'RIGHT', 'LEFT');
      writes++;
    }
  })();
  // Let some rounds land before the snapshot starts, and some during it.
  while (writes < 3) await new Promise((r) => setTimeout(r, 1));
  const rdb = await dumpRdbSliced(replica.server);
  stop = true;
  await writer;
  const entry = readRdb(rdb).entries.find((e) => e.key.toString() === 'l');
  expect(entry?.value.type).toBe('list');
  const items = (entry?.value as { items: Buffer[] }).items.map((b) => b.toString());
  expect(items.length).toBe(N);
  const w = items.indexOf('e0');
  expect(w).toBeGreaterThanOrEqual(3);
  expect(items.slice(0, w)).toEqual(Array.from({ length: w }, (_, i) => `e${N - w + i}`));
  expect(items[N - 1]).toBe(`e${N - w - 1}`);
}, 60_000);
