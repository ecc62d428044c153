import fs from 'node:fs';
import path from 'node:path';
import type { ResolvedConfig } from './config.ts';
import { runAutomaticSnapshots } from './lifecycle/automatic-snapshots.ts';
import { runMaintenance } from './lifecycle/maintenance.ts';
import { shipEngineLog, shipSlowLogs, SHIP_INTERVAL_MS } from './lifecycle/log-delivery.ts';
import { Runtime } from './lifecycle/runtime.ts';
import { createLogger, type Logger } from './log.ts';
import { openDb, type Db } from './store/db.ts';
import { Events, type SourceType } from './store/events.ts';
import { arnOf } from './store/kinds.ts';
import type { Kind, Scope } from './store/records.ts';
import { Resources } from './store/resources.ts';
import { Tags } from './store/tags.ts';

export const DB_FILE = 'elasticache-local.sqlite';
const SCHEDULER_INTERVAL_MS = 60_000;

/** Everything a handler may use: configuration, the metadata store, and the running nodes. */
export class World {
  readonly db: Db;
  readonly resources: Resources;
  readonly tags: Tags;
  readonly events: Events;
  readonly runtime: Runtime;
  readonly log: Logger;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly tasks = new Set<Promise<void>>();
  private stopping = false;
  /** Tests move the emulator's clock (snapshot windows, retention) instead of waiting for it. */
  private clockOffsetMs = 0;
  private scheduler: NodeJS.Timeout | undefined;
  private logShipper: NodeJS.Timeout | undefined;

  constructor(readonly config: ResolvedConfig) {
    this.log = createLogger(config.logLevel);
    fs.mkdirSync(config.dataDir, { recursive: true });
    this.db = openDb(path.join(config.dataDir, DB_FILE));
    this.resources = new Resources(this.db);
    this.tags = new Tags(this.db);
    this.events = new Events(this.db);
    this.runtime = new Runtime(config, this.resources, this.log);
  }

  now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  /** Moves the clock forward and runs what the new time makes due (automatic snapshots, pruning). */
  advanceClock(ms: number): void {
    this.clockOffsetMs += ms;
    runAutomaticSnapshots(this);
    runMaintenance(this);
  }

  /** Periodic duties; unref'd so an idle emulator never keeps a test process alive by itself. */
  startSchedulers(): void {
    this.scheduler = setInterval(() => {
      runAutomaticSnapshots(this);
      runMaintenance(this);
    }, SCHEDULER_INTERVAL_MS);
    this.scheduler.unref();
    this.logShipper = setInterval(() => shipSlowLogs(this), SHIP_INTERVAL_MS);
    this.logShipper.unref();
  }

  arn(scope: Scope, kind: Kind, id: string): string {
    return arnOf(scope, kind, id);
  }

  /** Records an event of a resource, or (null, null) of the account and region as a whole. */
  event(scope: Scope, sourceType: SourceType | null, sourceId: string | null, message: string): void {
    this.events.record(scope, sourceType, sourceId, message, this.now());
    if (sourceType !== null && sourceId !== null) shipEngineLog(this, scope, sourceType, sourceId, message);
  }

  /**
   * Runs a lifecycle step after the configured delay. Steps re-read their records, since the resource may
   * have changed or gone meanwhile; a failing step is logged, never thrown into the request that caused it.
   */
  later(step: () => Promise<void> | void, delayMs = this.config.transitionDelayMs): void {
    if (this.stopping) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.stopping) return;
      const task = Promise.resolve()
        .then(step)
        .catch((err: unknown) => this.log.error({ err }, 'lifecycle step failed'))
        .finally(() => this.tasks.delete(task));
      this.tasks.add(task);
    }, delayMs);
    this.timers.add(timer);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.scheduler) clearInterval(this.scheduler);
    if (this.logShipper) clearInterval(this.logShipper);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.allSettled([...this.tasks]);
    this.runtime.saveNodeData();
    await this.runtime.stop();
    this.db.close();
  }
}
