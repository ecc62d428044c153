import fs from 'node:fs';
import path from 'node:path';
import { tearDownCluster } from '../lifecycle/provision.ts';
import { tearDownServerless } from '../lifecycle/serverless.ts';
import { GLOBAL_REGION, type Scope } from '../store/records.ts';
import type { World } from '../world.ts';
import { faultsOf } from './registry.ts';

/** What a reset removed, so a suite can assert it started from nothing. */
export interface ResetSummary {
  clusters: number;
  replicationGroups: number;
  serverlessCaches: number;
}

const inScope = (only: Scope | undefined, scope: Scope) =>
  only === undefined || (scope.account === only.account && (scope.region === only.region || scope.region === GLOBAL_REGION));

/**
 * Stops every node and endpoint of one account and region (or of everything) and forgets their metadata,
 * events, tags, faults, saved node data and snapshot files: the state of a fresh emulator, without
 * restarting the process. A global datastore goes with the account when one of its regions is reset.
 */
export async function resetWorld(world: World, only?: Scope): Promise<ResetSummary> {
  faultsOf(world).clear(only);
  const groups = world.resources.all('replication-group').filter((g) => inScope(only, g.scope));
  const clusters = world.resources.all('cluster').filter((c) => inScope(only, c.scope));
  const serverless = world.resources.all('serverless-cache').filter((s) => inScope(only, s.scope));
  for (const { scope, record } of groups) {
    world.runtime.stopMigration(scope, record.id);
    await world.runtime.closeGroupEndpoints(scope, record.id);
  }
  for (const { scope, record } of clusters) await tearDownCluster(world, scope, record);
  for (const { scope, record } of serverless) await tearDownServerless(world, scope, record);

  const db = world.db;
  db.transaction(() => {
    if (only === undefined) {
      db.exec('DELETE FROM resources; DELETE FROM events; DELETE FROM tags;');
      return;
    }
    for (const region of [only.region, GLOBAL_REGION]) {
      db.prepare('DELETE FROM resources WHERE account = ? AND region = ?').run(only.account, region);
      db.prepare('DELETE FROM events WHERE account = ? AND region = ?').run(only.account, region);
    }
    db.prepare("DELETE FROM tags WHERE arn LIKE ? ESCAPE '\\'").run(`arn:aws:elasticache:${likeLiteral(only.region)}:${likeLiteral(only.account)}:%`);
  })();

  const dataDirs = ['nodes', 'snapshots'].map((d) => path.join(world.config.dataDir, d));
  for (const dir of dataDirs) {
    const target = only === undefined ? dir : path.join(dir, only.account, only.region);
    // Identifiers come from validated requests, but the path is still checked to stay inside the data directory.
    if (path.relative(dir, target).startsWith('..')) continue;
    fs.rmSync(target, { recursive: true, force: true });
  }
  return { clusters: clusters.length, replicationGroups: groups.length, serverlessCaches: serverless.length };
}

function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
