// The CLI tests run the compiled package (dist/) the way users do. `npm ci` builds it (prepare); in a
// working checkout whose sources changed since, it is rebuilt once here.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { run } from './exec.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const STAMP = path.join(ROOT, 'dist', '.built');
export const BUILD_TIMEOUT_MS = 280_000;

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

function current(): boolean {
  const built = fs.existsSync(STAMP) ? fs.statSync(STAMP).mtimeMs : 0;
  const sources = Math.max(...['src', 'engines'].map((d) => newestSource(path.join(ROOT, d))), fs.statSync(path.join(ROOT, 'tsconfig.build.json')).mtimeMs);
  return built >= sources;
}

/**
 * One build at a time: each vitest project's global setup and every run in the checkout may find dist/ stale
 * at once, and two builds swapping their results in (remove dist/, rename) would fail each other.
 */
async function underLock(f: () => Promise<void>): Promise<void> {
  const lock = path.join(ROOT, 'dist-lock');
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // Left by a build that was killed.
      const held = fs.statSync(lock, { throwIfNoEntry: false });
      if (held !== undefined && Date.now() - held.mtimeMs > BUILD_TIMEOUT_MS) fs.rmSync(lock, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    await f();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * vitest's global setup too (`setup`): dist/ is rebuilt before any test file loads it (sources-from-dist.ts) when
 * a source is newer than the last build. `npm ci` has just built it in CI, so there this costs a stat of each source.
 */
export async function ensureBuilt(): Promise<void> {
  if (current()) return;
  await underLock(async () => {
    if (current()) return;
    // tsc over the whole tree takes a minute or two on a busy 2-core machine.
    const r = await run(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, timeoutMs: BUILD_TIMEOUT_MS });
    if (r.code !== 0) throw new Error(`npm run build failed (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  });
}

/** A node option that makes loading tsx or any .ts module fail: the compiled package must run with plain node. */
export const NO_TYPESCRIPT_AT_RUN_TIME = `--import=${pathToFileURL(path.join(import.meta.dirname, 'no-typescript.mjs')).href}`;

export { ensureBuilt as setup };
