import type { World } from '../world.ts';

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const MINUTE = 60_000;
const WEEK_MINUTES = 7 * 1440;

function minuteOfWeek(ms: number): number {
  const d = new Date(ms);
  return d.getUTCDay() * 1440 + d.getUTCHours() * 60 + d.getUTCMinutes();
}

function parseEdge(edge: string): number {
  const [day, hh, mm] = edge.split(':');
  return DAYS.indexOf(day!.toLowerCase()) * 1440 + Number(hh) * 60 + Number(mm);
}

/**
 * When a change deferred at `since` is applied: at once if `since` falls inside the weekly window
 * (ddd:hh24:mi-ddd:hh24:mi, UTC, may wrap past Saturday), otherwise at the window's next start.
 */
export function maintenanceDueAt(window: string, since: number): number {
  const [from, to] = window.split('-') as [string, string];
  const start = parseEdge(from);
  const end = parseEdge(to);
  const t = minuteOfWeek(since);
  const inside = start <= end ? t >= start && t < end : t >= start || t < end;
  if (inside) return since;
  const wait = (start - t + WEEK_MINUTES) % WEEK_MINUTES;
  return Math.floor(since / MINUTE) * MINUTE + wait * MINUTE;
}

/** Something whose deferred changes wait for a maintenance window. */
export interface MaintenanceDuty {
  /** Every resource with deferred changes that are due at `now`; each is applied by `apply`. */
  due(world: World, now: number): (() => void)[];
}

const duties: MaintenanceDuty[] = [];

/** The actions that defer changes register here, so the clock can apply them without knowing their kinds. */
export function registerMaintenanceDuty(duty: MaintenanceDuty): void {
  duties.push(duty);
}

/** Applies every deferred change whose maintenance window has come; a failing one is logged and kept. */
export function runMaintenance(world: World): void {
  const now = world.now();
  for (const duty of duties) {
    for (const apply of duty.due(world, now)) {
      try {
        apply();
      } catch (err) {
        world.log.error({ err }, 'maintenance step failed');
      }
    }
  }
}
