import { compareVersions } from './engine-versions.ts';
import type { Engine } from '../store/records.ts';

export type ServiceUpdateSeverity = 'critical' | 'important' | 'medium' | 'low';

/**
 * A service update as AWS publishes them: a name from its release date (elc-YYYYMMDD-NNN), a severity,
 * the engines and versions it patches, and a window: recommended apply-by date and end date.
 */
export interface ServiceUpdateEntry {
  name: string;
  releaseDate: number;
  recommendedApplyByDate: number;
  endDate: number;
  severity: ServiceUpdateSeverity;
  cancelled: boolean;
  description: string;
  /** Each engine it patches with the lowest version it applies to. */
  appliesTo: Partial<Record<Engine, string>>;
  autoUpdateAfterRecommendedApplyByDate: boolean;
  estimatedUpdateTime: string;
}

const DAY = 86_400_000;

interface Template {
  releasedDaysAgo: number;
  applyWithinDays: number;
  severity: ServiceUpdateSeverity;
  cancelled?: boolean;
  description: string;
  appliesTo: Partial<Record<Engine, string>>;
  autoUpdate: boolean;
  minutesPerNode: number;
}

const SECURITY = 'Upgrades to improve the security, reliability, and operational performance of your ElastiCache nodes';

// AWS's published updates are dated; ours are dated back from the emulator's first day so that the
// catalogue always holds current, overdue, expired and cancelled updates whatever the date.
const TEMPLATES: Template[] = [
  { releasedDaysAgo: 500, applyWithinDays: 30, severity: 'important', description: SECURITY, appliesTo: { redis: '5.0.6' }, autoUpdate: false, minutesPerNode: 30 },
  { releasedDaysAgo: 200, applyWithinDays: 30, severity: 'low', cancelled: true, description: 'Engine patch for Redis OSS 7.0 nodes', appliesTo: { redis: '7.0.7' }, autoUpdate: false, minutesPerNode: 10 },
  { releasedDaysAgo: 40, applyWithinDays: 30, severity: 'important', description: SECURITY, appliesTo: { redis: '6.2.6', valkey: '7.2.6' }, autoUpdate: false, minutesPerNode: 15 },
  { releasedDaysAgo: 12, applyWithinDays: 30, severity: 'medium', description: 'Operational improvements for Memcached nodes', appliesTo: { memcached: '1.6.6' }, autoUpdate: false, minutesPerNode: 5 },
  { releasedDaysAgo: 3, applyWithinDays: 14, severity: 'critical', description: SECURITY, appliesTo: { redis: '2.6.13', valkey: '7.2.6', memcached: '1.4.5' }, autoUpdate: true, minutesPerNode: 15 },
];

const SERVICE_UPDATE_LIFETIME_DAYS = 365;

function dateName(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10).replaceAll('-', '');
}

/** The catalogue as published when the emulator's clock read `anchor`. */
export function serviceUpdateCatalogue(anchor: number): ServiceUpdateEntry[] {
  const day = Math.floor(anchor / DAY) * DAY;
  const perDay = new Map<string, number>();
  return TEMPLATES.map((t) => {
    const releaseDate = day - t.releasedDaysAgo * DAY;
    const date = dateName(releaseDate);
    const n = (perDay.get(date) ?? 0) + 1;
    perDay.set(date, n);
    return {
      name: `elc-${date}-${String(n).padStart(3, '0')}`,
      releaseDate,
      recommendedApplyByDate: releaseDate + t.applyWithinDays * DAY - 1000,
      endDate: releaseDate + SERVICE_UPDATE_LIFETIME_DAYS * DAY - 1000,
      severity: t.severity,
      cancelled: t.cancelled ?? false,
      description: t.description,
      appliesTo: t.appliesTo,
      autoUpdateAfterRecommendedApplyByDate: t.autoUpdate,
      estimatedUpdateTime: `${t.minutesPerNode} minutes per node`,
    };
  });
}

export type ServiceUpdateStatus = 'available' | 'cancelled' | 'expired';

export function serviceUpdateStatus(u: ServiceUpdateEntry, now: number): ServiceUpdateStatus {
  if (u.cancelled) return 'cancelled';
  return now > u.endDate ? 'expired' : 'available';
}

export function appliesTo(u: ServiceUpdateEntry, engine: Engine, version: string): boolean {
  const from = u.appliesTo[engine];
  return from !== undefined && compareVersions(version, from) >= 0;
}

const ENGINE_NAMES: Record<Engine, string> = { redis: 'redis', valkey: 'valkey', memcached: 'memcached' };

/** AWS describes the engines and versions as text: "redis, memcached" and "redis 6.2.6 and onwards, ...". */
export function engineText(u: ServiceUpdateEntry): { engine: string; engineVersion: string } {
  const entries = Object.entries(u.appliesTo) as [Engine, string][];
  return {
    engine: entries.map(([e]) => ENGINE_NAMES[e]).join(', '),
    engineVersion: entries.map(([e, v]) => `${ENGINE_NAMES[e]} ${v} and onwards`).join(', '),
  };
}
