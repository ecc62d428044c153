import type { ClusterRecord, ReplicationGroupRecord, Scope } from '../store/records.ts';
import type { World } from '../world.ts';
import { completeSnapshot, newSnapshot, removeSnapshotFiles } from './snapshots.ts';
import { removeResource } from './removal.ts';

const DAY = 86_400_000;
/** A snapshot taken less than this long ago means today's window is done. */
const MIN_GAP = 20 * 3_600_000;

function minutesOfDay(ms: number): number {
  const d = new Date(ms);
  return d.getUTCHours() * 60 + d.getUTCMinutes();
}

/** True when `now` falls in an hh24:mi-hh24:mi window (UTC), which may wrap past midnight. */
export function inWindow(window: string, now: number): boolean {
  const m = /^(\d\d):(\d\d)-(\d\d):(\d\d)$/.exec(window);
  if (!m) return false;
  const start = Number(m[1]) * 60 + Number(m[2]);
  const end = Number(m[3]) * 60 + Number(m[4]);
  const t = minutesOfDay(now);
  return start <= end ? t >= start && t < end : t >= start || t < end;
}

function stamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace(/[T:]/g, '-');
}

interface Source {
  scope: Scope;
  id: string;
  retention: number;
  window: string;
  last?: number;
  group?: ReplicationGroupRecord;
  cluster: ClusterRecord;
}

function sources(world: World): Source[] {
  const out: Source[] = [];
  for (const { scope, record: g } of world.resources.all('replication-group')) {
    const primary = world.resources.get(scope, 'cluster', g.primaryClusterId);
    if (g.status === 'available' && g.snapshotRetentionLimit > 0 && primary) {
      out.push({ scope, id: g.id, retention: g.snapshotRetentionLimit, window: g.snapshotWindow, last: g.lastAutomaticSnapshot, group: g, cluster: primary });
    }
  }
  for (const { scope, record: c } of world.resources.all('cluster')) {
    if (c.status === 'available' && !c.replicationGroupId && c.engine !== 'memcached' && c.snapshotRetentionLimit > 0) {
      out.push({ scope, id: c.id, retention: c.snapshotRetentionLimit, window: c.snapshotWindow, last: c.lastAutomaticSnapshot, cluster: c });
    }
  }
  return out;
}

/**
 * Takes the daily automated snapshot of every group and cluster whose window is open now, and prunes
 * automated snapshots past their retention. Runs on a timer and whenever the emulator's clock is moved.
 */
export function runAutomaticSnapshots(world: World): void {
  const now = world.now();
  for (const s of sources(world)) {
    if (inWindow(s.window, now) && (s.last === undefined || now - s.last >= MIN_GAP)) {
      const name = `automatic.${s.id}-${stamp(now)}`;
      const snapshot = newSnapshot(world, s.scope, name, 'automated', s.group, s.cluster);
      if (world.resources.insert(s.scope, 'snapshot', name, snapshot)) world.later(() => completeSnapshot(world, s.scope, name), 0);
      if (s.group) {
        s.group.lastAutomaticSnapshot = now;
        world.resources.put(s.scope, 'replication-group', s.id, s.group);
      } else {
        s.cluster.lastAutomaticSnapshot = now;
        world.resources.put(s.scope, 'cluster', s.id, s.cluster);
      }
    }
    for (const snap of world.resources.list(s.scope, 'snapshot')) {
      const mine = s.group ? snap.replicationGroupId === s.id : snap.clusterId === s.id && !snap.replicationGroupId;
      if (mine && snap.source === 'automated' && now - snap.createdAt > s.retention * DAY) {
        removeResource(world, s.scope, 'snapshot', snap.name);
        removeSnapshotFiles(world, s.scope, snap.name);
      }
    }
  }
}

