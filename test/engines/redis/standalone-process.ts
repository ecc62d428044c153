// A bare engine in a child process, for tests where a bug of ours could hold the event loop for
// good (an in-process server would freeze the test itself, and its timeout with it).
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { startRealRedis, type RealRedis } from './helpers.ts';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface StandaloneProcess {
  port: number;
  stop(): Promise<void>;
}

export async function startStandaloneProcess(): Promise<StandaloneProcess> {
  const child: ChildProcess = spawn(process.execPath, ['bin/run-ts.mjs', 'engines/redis/standalone.ts', '--port', '0'], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    // Generous: tsx compiles the engine on a loaded machine.
    const t = setTimeout(() => reject(new Error(`standalone engine did not start: ${out}`)), 60_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Ready to accept connections tcp on 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(Number(m[1]));
      }
    });
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`standalone engine exited ${code}: ${out}`));
    });
  });
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        // SIGKILL: a hung event loop would never run a SIGTERM handler.
        child.kill('SIGKILL');
      }),
  };
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
