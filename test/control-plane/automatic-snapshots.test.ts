// Automated snapshots as AWS takes them, driven by the emulator's clock: one per day in the window even
// when the clock is moved past the whole window (before, a move of 24 h from outside the window took
// none), kept for SnapshotRetentionLimit days, listed by SnapshotSource 'system' (SnapshotSource
// 'automated' on the snapshot), and removed with their cluster, group or serverless cache, where manual
// and final snapshots stay (AWS: "Automatic cache snapshots are not retained").
import {
  CreateCacheClusterCommand,
  CreateReplicationGroupCommand,
  CreateServerlessCacheCommand,
  CreateServerlessCacheSnapshotCommand,
  CreateSnapshotCommand,
  DeleteCacheClusterCommand,
  DeleteReplicationGroupCommand,
  DeleteServerlessCacheCommand,
  DescribeCacheClustersCommand,
  DescribeEventsCommand,
  DescribeServerlessCacheSnapshotsCommand,
  DescribeServerlessCachesCommand,
  DescribeSnapshotsCommand,
  waitUntilCacheClusterAvailable,
  waitUntilReplicationGroupAvailable,
  type DescribeSnapshotsCommandInput,
} from '@aws-sdk/client-elasticache';
import { describe, expect, it } from 'vitest';
import { waitUntil } from '../engines/redis/helpers.ts';
import { emulatorForTests, FAST_WAIT } from '../support/emulator.ts';

const { emulator, client } = emulatorForTests({ transitionDelayMs: 0 });
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

async function clock(advanceMs?: number): Promise<number> {
  const res = await fetch(`${emulator.url}/_elasticache-local/clock${advanceMs === undefined ? '' : `?advanceMs=${advanceMs}`}`, { method: advanceMs === undefined ? 'GET' : 'POST' });
  return Date.parse(((await res.json()) as { now: string }).now);
}

const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
/** A one-hour window opening `hoursAhead` whole hours after `now`'s hour: `now` is outside it. */
function windowAhead(now: number, hoursAhead: number): { window: string; opening: number } {
  const opening = Math.floor(now / HOUR) * HOUR + hoursAhead * HOUR;
  return { window: `${hhmm(opening)}-${hhmm(opening + HOUR)}`, opening };
}
/** The name AWS gives the automated snapshot of `id` taken at `ms`. */
const automaticName = (id: string, ms: number) => `automatic.${id}-${new Date(ms).toISOString().slice(0, 16).replace(/[T:]/g, '-')}`;

async function names(input: DescribeSnapshotsCommandInput): Promise<string[]> {
  return (await client.send(new DescribeSnapshotsCommand(input))).Snapshots!.map((s) => s.SnapshotName!).sort();
}

async function allAvailable(input: DescribeSnapshotsCommandInput): Promise<void> {
  await waitUntil('the snapshots available', async () => (await client.send(new DescribeSnapshotsCommand(input))).Snapshots!.every((s) => s.SnapshotStatus === 'available'), 60_000);
}

describe('automated snapshots', () => {
  it('a cluster: one a day across whole skipped windows, kept N days, listed as system, gone with the cluster', { timeout: 180_000 }, async () => {
    const { window, opening } = windowAhead(await clock(), 2);
    await client.send(new CreateCacheClusterCommand({
      CacheClusterId: 'auto-c', Engine: 'redis', CacheNodeType: 'cache.t3.micro', NumCacheNodes: 1, SnapshotRetentionLimit: 3, SnapshotWindow: window,
    }));
    await waitUntilCacheClusterAvailable({ client, ...FAST_WAIT }, { CacheClusterId: 'auto-c' });
    const system = { CacheClusterId: 'auto-c', SnapshotSource: 'system' };
    await clock(60_000);
    expect(await names(system)).toEqual([]);
    // A day on, from outside the window to outside it: that day's snapshot is taken, dated in its window.
    await clock(DAY);
    expect(await names(system)).toEqual([automaticName('auto-c', opening)]);
    await allAvailable(system);
    const listed = (await client.send(new DescribeSnapshotsCommand({ SnapshotName: automaticName('auto-c', opening) }))).Snapshots![0]!;
    expect(listed).toMatchObject({ SnapshotSource: 'automated', SnapshotRetentionLimit: 3, SnapshotWindow: window, CacheClusterId: 'auto-c' });
    expect(await names({ CacheClusterId: 'auto-c', SnapshotSource: 'user' })).toEqual([]);
    const events = (await client.send(new DescribeEventsCommand({ SourceIdentifier: 'auto-c', SourceType: 'cache-cluster', Duration: 20_160 }))).Events!;
    expect(events.map((e) => e.Message)).toContain(`Snapshot succeeded for snapshot with ID '${automaticName('auto-c', opening)}' of cache cluster with ID 'auto-c'`);

    // Two more days: three kept; a fourth: the oldest goes (a limit of 3 keeps 3).
    await clock(DAY);
    await clock(DAY);
    expect(await names(system)).toHaveLength(3);
    await clock(DAY);
    expect(await names(system)).toEqual([1, 2, 3].map((d) => automaticName('auto-c', opening + d * DAY)));
    // Ten days at once: the last three days' snapshots, no more.
    await clock(10 * DAY);
    expect(await names(system)).toEqual([11, 12, 13].map((d) => automaticName('auto-c', opening + d * DAY)));
    await allAvailable(system);

    await client.send(new CreateSnapshotCommand({ CacheClusterId: 'auto-c', SnapshotName: 'auto-c-manual' }));
    await allAvailable({ SnapshotName: 'auto-c-manual' });
    await client.send(new DeleteCacheClusterCommand({ CacheClusterId: 'auto-c', FinalSnapshotIdentifier: 'auto-c-final' }));
    await waitUntil('auto-c deleted', async () => {
      const gone = await client.send(new DescribeCacheClustersCommand({ CacheClusterId: 'auto-c' })).then(() => false, () => true);
      return gone;
    }, 60_000);
    expect(await names({ SnapshotSource: 'system' })).toEqual([]);
    expect(await names({ SnapshotSource: 'user' })).toEqual(['auto-c-final', 'auto-c-manual']);
  });

  it('a replication group: the skipped day taken, gone with the group', { timeout: 180_000 }, async () => {
    const { window, opening } = windowAhead(await clock(), 3);
    await client.send(new CreateReplicationGroupCommand({
      ReplicationGroupId: 'auto-g', ReplicationGroupDescription: 'auto', Engine: 'redis', CacheNodeType: 'cache.t3.micro', NumCacheClusters: 2,
      SnapshotRetentionLimit: 2, SnapshotWindow: window,
    }));
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'auto-g' });
    await clock(DAY);
    const system = { ReplicationGroupId: 'auto-g', SnapshotSource: 'system' };
    expect(await names(system)).toEqual([automaticName('auto-g', opening)]);
    await allAvailable(system);
    // Told by the cluster of the node it was taken from (the replica), as in AWS's DescribeEvents example.
    const events = (await client.send(new DescribeEventsCommand({ SourceIdentifier: 'auto-g-002', SourceType: 'cache-cluster', Duration: 20_160 }))).Events!;
    expect(events.map((e) => e.Message)).toContain(`Snapshot succeeded for snapshot with ID '${automaticName('auto-g', opening)}' of replication group with ID 'auto-g'`);
    await client.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: 'auto-g' }));
    await waitUntil('auto-g deleted', async () => (await names({ SnapshotSource: 'system' })).length === 0, 60_000);
  });

  it('a serverless cache: at DailySnapshotTime, kept SnapshotRetentionLimit days, gone with the cache', { timeout: 180_000 }, async () => {
    const { opening } = windowAhead(await clock(), 2);
    await client.send(new CreateServerlessCacheCommand({ ServerlessCacheName: 'auto-s', Engine: 'redis', DailySnapshotTime: hhmm(opening), SnapshotRetentionLimit: 2 }));
    await waitUntil('auto-s available', async () => (await client.send(new DescribeServerlessCachesCommand({ ServerlessCacheName: 'auto-s' }))).ServerlessCaches![0]!.Status === 'available', 60_000);
    const automated = async () =>
      (await client.send(new DescribeServerlessCacheSnapshotsCommand({ ServerlessCacheName: 'auto-s', SnapshotType: 'automated' }))).ServerlessCacheSnapshots!;
    await clock(60_000);
    expect(await automated()).toEqual([]);
    await clock(DAY);
    expect((await automated()).map((s) => s.ServerlessCacheSnapshotName)).toEqual([automaticName('auto-s', opening)]);
    await waitUntil('the snapshot available', async () => (await automated()).every((s) => s.Status === 'available'), 60_000);
    await clock(2 * DAY);
    expect((await automated()).map((s) => s.ServerlessCacheSnapshotName).sort()).toEqual([1, 2].map((d) => automaticName('auto-s', opening + d * DAY)));
    await waitUntil('the snapshots available', async () => (await automated()).every((s) => s.Status === 'available'), 60_000);
    // A final snapshot's name already taken is refused before anything changes.
    await client.send(new CreateServerlessCacheSnapshotCommand({ ServerlessCacheName: 'auto-s', ServerlessCacheSnapshotName: 'auto-s-kept' }));
    await waitUntil('the manual snapshot available', async () =>
      (await client.send(new DescribeServerlessCacheSnapshotsCommand({ ServerlessCacheSnapshotName: 'auto-s-kept' }))).ServerlessCacheSnapshots![0]!.Status === 'available', 60_000);
    const taken = 'auto-s-kept';
    await expect(client.send(new DeleteServerlessCacheCommand({ ServerlessCacheName: 'auto-s', FinalSnapshotName: taken }))).rejects.toMatchObject({
      name: 'ServerlessCacheSnapshotAlreadyExistsFault',
    });
    expect((await client.send(new DescribeServerlessCachesCommand({ ServerlessCacheName: 'auto-s' }))).ServerlessCaches![0]!.Status).toBe('available');
    await client.send(new DeleteServerlessCacheCommand({ ServerlessCacheName: 'auto-s', FinalSnapshotName: 'auto-s-final' }));
    await waitUntil('auto-s deleted', async () => (await automated()).length === 0, 60_000);
    // The manual and final snapshots stay.
    const kept = (await client.send(new DescribeServerlessCacheSnapshotsCommand({ ServerlessCacheName: 'auto-s' }))).ServerlessCacheSnapshots!;
    expect(kept.map((k) => [k.ServerlessCacheSnapshotName, k.SnapshotType]).sort()).toEqual([['auto-s-final', 'manual'], ['auto-s-kept', 'manual']]);
  });
});
