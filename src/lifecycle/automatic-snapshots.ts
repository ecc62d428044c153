import type { ClusterRecord, ReplicationGroupRecord, Scope } from '../store/records.ts';
import type { World } from '../world.ts';
import { completeSnapshot, newSnapshot, removeSnapshotFiles } from './snapshots.ts';
import { removeResource } from './removal.ts';
import { serverlessSnapshotFolder } from './serverless.ts';
import { insertServerlessSnapshot, newServerlessSnapshot, takeServerlessSnapshot } from './serverless-snapshots.ts';

const DAY = 86_400_000;
const MINUTE = 60_000;
/** A serverless cache's DailySnapshotTime opens an hour's window (the API takes only its start). */
const SERVERLESS_WINDOW_MINUTES = 60;

/** An hh24:mi-hh24:mi window (UTC) as minutes of the day: start, and length (it may wrap past midnight). */
function parseWindow(window: string): { start: number; length: number } | undefined {
  const m = /^(\d\d):(\d\d)-(\d\d):(\d\d)$/.exec(window);
  if (!m) return undefined;
  const start = Number(m[1]) * 60 + Number(m[2]);
  const end = Number(m[3]) * 60 + Number(m[4]);
  return { start, length: (end - start + 24 * 60) % (24 * 60) };
}

/** The window's latest opening at or before `now` (ms), or undefined for a malformed window. */
function lastOpening(window: string, now: number): number | undefined {
  const w = parseWindow(window);
  if (!w) return undefined;
  const opening = Math.floor(now / DAY) * DAY + w.start * MINUTE;
  return opening > now ? opening - DAY : opening;
}

/** True when `now` falls in the window. */
export function inWindow(window: string, now: number): boolean {
  const w = parseWindow(window);
  const opening = lastOpening(window, now);
  return w !== undefined && opening !== undefined && now < opening + w.length * MINUTE;
}

/** The days a snapshot taken at `at` has lived by `now`, counted as AWS counts them: the window's openings since. */
function daysKept(window: string, at: number, now: number): number {
  const opening = lastOpening(window, now);
  return opening === undefined || opening <= at ? 0 : Math.ceil((opening - at) / DAY);
}

function stamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace(/[T:]/g, '-');
}

/** Something that takes a daily automated snapshot: a group, a cluster of its own, or a serverless cache. */
interface Source {
  scope: Scope;
  id: string;
  retention: number;
  window: string;
  last?: number;
  /** Starts the snapshot `name` dated `at`; false when one of that name exists. */
  take(name: string, at: number): boolean;
  /** Records when the last one was taken. */
  taken(at: number): void;
  /** The automated snapshots it has: name and when taken. */
  automated(): { name: string; at: number }[];
  /** Forgets one of them and its files. */
  drop(name: string): void;
}

function clusterSource(world: World, scope: Scope, cluster: ClusterRecord, group?: ReplicationGroupRecord): Source {
  const id = group?.id ?? cluster.id;
  return {
    scope,
    id,
    retention: group?.snapshotRetentionLimit ?? cluster.snapshotRetentionLimit,
    window: group?.snapshotWindow ?? cluster.snapshotWindow,
    last: group ? group.lastAutomaticSnapshot : cluster.lastAutomaticSnapshot,
    take: (name, at) => {
      const snapshot = { ...newSnapshot(world, scope, name, 'automated', group, cluster), createdAt: at };
      if (!world.resources.insert(scope, 'snapshot', name, snapshot)) return false;
      world.later(() => completeSnapshot(world, scope, name), 0);
      return true;
    },
    taken: (at) => {
      if (group) {
        group.lastAutomaticSnapshot = at;
        world.resources.put(scope, 'replication-group', id, group);
      } else {
        cluster.lastAutomaticSnapshot = at;
        world.resources.put(scope, 'cluster', id, cluster);
      }
    },
    automated: () => automatedSnapshotsOf(world, scope, group ? { groupId: id } : { clusterId: id }),
    drop: (name) => {
      removeResource(world, scope, 'snapshot', name);
      removeSnapshotFiles(world, scope, name);
    },
  };
}

function sources(world: World): Source[] {
  const out: Source[] = [];
  for (const { scope, record: g } of world.resources.all('replication-group')) {
    const primary = world.resources.get(scope, 'cluster', g.primaryClusterId);
    if (g.status === 'available' && g.snapshotRetentionLimit > 0 && primary) out.push(clusterSource(world, scope, primary, g));
  }
  for (const { scope, record: c } of world.resources.all('cluster')) {
    if (c.status === 'available' && !c.replicationGroupId && c.engine !== 'memcached' && c.snapshotRetentionLimit > 0) out.push(clusterSource(world, scope, c));
  }
  for (const { scope, record: cache } of world.resources.all('serverless-cache')) {
    if (cache.status !== 'available' || cache.engine === 'memcached' || !cache.snapshotRetentionLimit || !cache.dailySnapshotTime) continue;
    const [h, m] = cache.dailySnapshotTime.split(':').map(Number) as [number, number];
    const end = (h * 60 + m + SERVERLESS_WINDOW_MINUTES) % (24 * 60);
    out.push({
      scope,
      id: cache.name,
      retention: cache.snapshotRetentionLimit,
      window: `${cache.dailySnapshotTime}-${String(Math.floor(end / 60)).padStart(2, '0')}:${String(end % 60).padStart(2, '0')}`,
      last: cache.lastAutomaticSnapshot,
      take: (name, at) => {
        try {
          insertServerlessSnapshot(world, scope, { ...newServerlessSnapshot(world, cache, name, 'automated'), createdAt: at });
        } catch {
          return false;
        }
        world.later(() => takeServerlessSnapshot(world, scope, cache.name, name), 0);
        return true;
      },
      taken: (at) => {
        cache.lastAutomaticSnapshot = at;
        world.resources.put(scope, 'serverless-cache', cache.name, cache);
      },
      automated: () =>
        world.resources.list(scope, 'serverless-snapshot').filter((s) => s.cacheName === cache.name && s.type === 'automated').map((s) => ({ name: s.name, at: s.createdAt })),
      drop: (name) => {
        removeResource(world, scope, 'serverless-snapshot', name);
        removeSnapshotFiles(world, scope, serverlessSnapshotFolder(name));
      },
    });
  }
  return out;
}

/** When the scheduler last ran, by the emulator's clock: a clock moved past a whole window still gets that day's snapshot. */
const lastRuns = new WeakMap<World, number>();

/**
 * When to date the snapshots due now, newest first: now, for a window open now and not yet served; then
 * each opening the clock went past since the last run with no snapshot taken (a clock moved by a day or
 * more), dated at its opening. No more than the retention keeps.
 */
function due(s: Source, now: number, lastRun: number | undefined): number[] {
  const opening = lastOpening(s.window, now);
  if (opening === undefined) return [];
  const open = inWindow(s.window, now);
  const out: number[] = [];
  if (open && (s.last === undefined || s.last < opening)) out.push(now);
  const since = Math.max(lastRun ?? now, s.last ?? Number.NEGATIVE_INFINITY);
  for (let at = open ? opening - DAY : opening; at > since && out.length < s.retention; at -= DAY) out.push(at);
  return out;
}

/**
 * Takes the daily automated snapshot of every group, cluster and serverless cache whose window is open now
 * or was passed over by a moved clock, and prunes automated snapshots past their retention. Runs on a
 * timer and whenever the emulator's clock is moved.
 */
export function runAutomaticSnapshots(world: World): void {
  const now = world.now();
  const lastRun = lastRuns.get(world);
  lastRuns.set(world, now);
  for (const s of sources(world)) {
    const dates = due(s, now, lastRun);
    for (const at of dates) s.take(`automatic.${s.id}-${stamp(at)}`, at);
    if (dates.length > 0) s.taken(dates[0]!);
    for (const snap of s.automated()) if (daysKept(s.window, snap.at, now) >= s.retention) s.drop(snap.name);
  }
}

/** The automated snapshots of a group or of a cluster of its own. */
function automatedSnapshotsOf(world: World, scope: Scope, of: { groupId: string } | { clusterId: string }): { name: string; at: number }[] {
  return world.resources
    .list(scope, 'snapshot')
    .filter((snap) => snap.source === 'automated' && ('groupId' in of ? snap.replicationGroupId === of.groupId : snap.clusterId === of.clusterId && !snap.replicationGroupId))
    .map((snap) => ({ name: snap.name, at: snap.createdAt }));
}

/** A deleted group or cluster takes its automated snapshots with it (AWS keeps only manual and final ones). */
export function removeAutomatedSnapshots(world: World, scope: Scope, of: { groupId: string } | { clusterId: string }): void {
  for (const { name } of automatedSnapshotsOf(world, scope, of)) {
    removeResource(world, scope, 'snapshot', name);
    removeSnapshotFiles(world, scope, name);
  }
}

/** The same for a deleted serverless cache. */
export function removeAutomatedServerlessSnapshots(world: World, scope: Scope, cacheName: string): void {
  for (const s of world.resources.list(scope, 'serverless-snapshot')) {
    if (s.cacheName !== cacheName || s.type !== 'automated') continue;
    removeResource(world, scope, 'serverless-snapshot', s.name);
    removeSnapshotFiles(world, scope, serverlessSnapshotFolder(s.name));
  }
}
