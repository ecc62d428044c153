// A bare engine in a child process, for tests where a bug of ours could hold the event loop for
// good (an in-process server would freeze the test itself, and its timeout with it).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { startRealRedis, type RealRedis } from './helpers.ts';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface StandaloneProcess {
  port: number;
  pid: number;
  /** Everything it printed so far (its log goes to standard output). */
  log(): string;
  /** Its exit status, once it exits. */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/**
 * Starts `elasticache-local redis-server <args>` in `cwd` and waits for its ready line. Without a --dir
 * among the args it runs in a directory of its own, so a SAVE or SHUTDOWN writes no dump.rdb into the checkout.
 */
export async function startStandalone(args: string[] = ['--port', '0'], cwd?: string, until = READY): Promise<StandaloneProcess> {
  const own = cwd === undefined ? fs.mkdtempSync(path.join(os.tmpdir(), 'ecl-standalone-')) : null;
  const child: ChildProcess = spawn(process.execPath, [path.join(repo, 'bin/run-ts.mjs'), path.join(repo, 'engines/redis/standalone.ts'), ...args], { cwd: cwd ?? own ?? repo, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  if (own !== null) void exited.then(() => fs.rmSync(own, { recursive: true, force: true }));
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    // Generous: tsx compiles the engine on a loaded machine.
    const t = setTimeout(() => reject(new Error(`standalone engine did not start: ${out}`)), 60_000);
    const seen = () => {
      const m = until.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(Number(m[1]));
      }
    };
    child.stdout?.on('data', seen);
    void exited.then((code) => {
      clearTimeout(t);
      reject(new Error(`standalone engine exited ${code}: ${out}`));
    });
  });
  return {
    port,
    pid: child.pid as number,
    log: () => out,
    exited,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        // SIGKILL: a hung event loop would never run a SIGTERM handler.
        child.kill('SIGKILL');
      }),
  };
}

/** The line that says it serves: its port is the match's first group. */
const READY = /Ready to accept connections tcp on [\d.]+:(\d+)/;
/** The line before it loads its dump: it listens from then on. */
export const LISTENING = /Running mode=standalone, port=(\d+)\./;

export function startStandaloneProcess(): Promise<StandaloneProcess> {
  return startStandalone();
}

export interface StandalonePair {
  ours: StandaloneProcess;
  real: RealRedis;
}

/** Call inside a describe: an engine in a child process and a redis-server, up for its tests. */
export function standalonePair(): StandalonePair {
  const pair = {} as StandalonePair;
  beforeAll(async () => {
    [pair.ours, pair.real] = await Promise.all([startStandaloneProcess(), startRealRedis()]);
  }, 90_000);
  afterAll(async () => {
    await Promise.all([pair.ours?.stop(), pair.real?.stop()]);
  });
  return pair;
}
