// What the Redis benchmarks share: free ports, child processes started and awaited, our bare node
// and real redis-server (alone or with replicas) side by side, and redis-benchmark's CSV read back.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a !== null ? a.port : 0));
    });
    s.once('error', reject);
  });
}

/** Starts a process and resolves once its stdout matches `ready`; resolves with the match too. */
export function startProcess(cmd: string, args: string[], ready: string | RegExp): Promise<ChildProcess> {
  return startProcessMatch(cmd, args, ready).then(([child]) => child);
}

export function startProcessMatch(cmd: string, args: string[], ready: string | RegExp): Promise<[ChildProcess, RegExpMatchArray]> {
  const pattern = typeof ready === 'string' ? new RegExp(ready.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : ready;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    // Generous: a shared machine under load takes long to transpile and start a child.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} did not become ready: ${out}`));
    }, 120_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = pattern.exec(out);
      if (m !== null) {
        clearTimeout(timer);
        resolve([child, m]);
      }
    });
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${cmd} exited with ${code}: ${out}`));
    });
  });
}

export function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Our engine as a bare node in its own process, so the load generator never shares its thread. */
export async function startOurNode(): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  const child = await startProcess(process.execPath, ['bin/run-ts.mjs', 'engines/redis/standalone.ts', '--port', String(port)], 'Ready to accept connections');
  return { port, child };
}

/** Real redis-server without persistence, optionally following a primary on `replicaOf`. */
export async function startRealNode(replicaOf?: number): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  // A replica writes the RDB of its full sync into its directory whatever --save says: not into the checkout.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'];
  if (replicaOf !== undefined) args.push('--replicaof', '127.0.0.1', String(replicaOf));
  const child = await startProcess('redis-server', args, 'Ready to accept connections');
  return { port, child };
}

export function cli(port: number, args: string[]): string {
  const r = spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`redis-cli failed: ${r.stderr}`);
  return r.stdout.trim();
}

/** Polls until the primary on `port` reports `n` replicas online. */
export async function awaitReplicas(port: number, n: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const info = cli(port, ['INFO', 'replication']);
    if ((info.match(/^slave\d+:.*state=online/gm) ?? []).length >= n) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`replicas of ${port} did not come online`);
}

export const BENCH_CLIENTS = 50;

const benchmarkArgs = (port: number, pipeline: number, requests: number, args: string[]) => ['-p', String(port), '-q', '-c', String(BENCH_CLIENTS), '-n', String(requests), '-P', String(pipeline), '--csv', ...args];

function parseRates(stdout: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of stdout.split('\n')) {
    const m = /^"([^"]+)","([0-9.]+)"/.exec(line.trim());
    if (m) out.set(m[1] as string, Number(m[2]));
  }
  if (out.size === 0) throw new Error(`no result: ${stdout}`);
  return out;
}

/** Runs redis-benchmark in CSV mode with `args` (-t tests, or a custom command); answers requests/s per test. */
export function redisBenchmark(port: number, pipeline: number, requests: number, args: string[]): Map<string, number> {
  const r = spawnSync('redis-benchmark', benchmarkArgs(port, pipeline, requests, args), {
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (r.status !== 0) throw new Error(`redis-benchmark failed: ${r.stderr}`);
  return parseRates(r.stdout);
}

/** redisBenchmark without blocking this process: for servers running in it. */
export function redisBenchmarkAsync(port: number, pipeline: number, requests: number, args: string[]): Promise<Map<string, number>> {
  return new Promise((resolve, reject) => {
    const child = spawn('redis-benchmark', benchmarkArgs(port, pipeline, requests, args));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`redis-benchmark failed: ${stderr}`));
      else {
        try {
          resolve(parseRates(stdout));
        } catch (err) {
          reject(err);
        }
      }
    });
  });
}

/** The single figure of a one-test run. */
export function firstRate(rates: Map<string, number>): number {
  return rates.values().next().value as number;
}

export function markdownTable(head: string[], rows: string[][]): string {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---:').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}
