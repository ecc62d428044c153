// Two nodes of ours sharing one event loop in a child process (two-nodes-main.ts): a test can see
// whether one node's work holds the other, and a bug that holds the loop for good fails the test
// instead of freezing it.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface TwoNodes {
  ports: [number, number];
  stop(): Promise<void>;
}

export async function startTwoNodes(): Promise<TwoNodes> {
  const child = spawn(process.execPath, ['bin/run-ts.mjs', 'test/engines/redis/two-nodes-main.ts'], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
  const ports = await new Promise<[number, number]>((resolve, reject) => {
    let out = '';
    // Generous: tsx compiles the engine on a loaded machine.
    const t = setTimeout(() => reject(new Error(`nodes did not start: ${out}`)), 60_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Ready on (\d+) (\d+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve([Number(m[1]), Number(m[2])]);
      }
    });
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`nodes exited ${code}: ${out}`));
    });
  });
  return {
    ports,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        // SIGKILL: a held event loop never runs a SIGTERM handler.
        child.kill('SIGKILL');
      }),
  };
}
