// Throughput of our memcached engine (in a child process) against real memcached -t 1 and -t 2,
// measured in the same run by the same load generator; returns a printable table with ratios.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MEMCACHED = '/usr/bin/memcached';
const CONNECTIONS = 50;
const PIPELINE = 8;
const SECONDS = 3;
const WORKLOADS = ['set', 'get', 'multiget'] as const;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a !== null ? a.port : 0));
    });
    s.once('error', reject);
  });
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listening on ${port}`);
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

interface Target {
  name: string;
  start(port: number): ChildProcess;
}

const TARGETS: Target[] = [
  {
    name: 'elasticache-local',
    start: (port) =>
      spawn(process.execPath, ['bin/run-ts.mjs', 'bench/memcached-node.ts', '--port', String(port)], {
        cwd: ROOT,
        stdio: 'ignore',
      }),
  },
  ...[1, 2].map((threads) => ({
    name: `memcached -t ${threads}`,
    start: (port: number) => {
      const args = ['-p', String(port), '-U', '0', '-t', String(threads), '-l', '127.0.0.1', '-c', '4096'];
      // memcached refuses to run as root unless told which user to be.
      if (process.getuid?.() === 0) args.push('-u', 'root');
      return spawn(MEMCACHED, args, { stdio: 'ignore' });
    },
  })),
];

function load(port: number, workload: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const args = ['bin/run-ts.mjs', 'bench/memcached-load.ts', String(port), workload, String(CONNECTIONS), String(PIPELINE), String(SECONDS)];
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`load generator exited with ${code}`));
      const { ops, seconds } = JSON.parse(out) as { ops: number; seconds: number };
      resolve(ops / seconds);
    });
  });
}

export async function benchMemcached(): Promise<string> {
  const targets = existsSync(MEMCACHED) ? TARGETS : TARGETS.slice(0, 1);
  const results = new Map<string, Map<string, number>>();
  for (const target of targets) {
    const port = await freePort();
    const child = target.start(port);
    try {
      await waitForPort(port);
      const row = new Map<string, number>();
      for (const w of WORKLOADS) row.set(w, await load(port, w));
      results.set(target.name, row);
    } finally {
      await stop(child);
    }
  }
  const ours = results.get('elasticache-local')!;
  const t1 = results.get('memcached -t 1');
  const t2 = results.get('memcached -t 2');
  const fmt = (n: number | undefined) => (n === undefined ? '-' : Math.round(n).toLocaleString('en-US'));
  const ratio = (a: number | undefined, b: number | undefined) => (a && b ? (a / b).toFixed(2) + 'x' : '-');
  const lines = [
    `memcached benchmark: ${CONNECTIONS} connections, pipeline ${PIPELINE}, ${SECONDS}s per workload, 100-byte values, multiget of 10 keys (ops/s; a multiget counts once)`,
    '',
    'workload  | elasticache-local | memcached -t 1 | memcached -t 2 | ours / t1 | ours / t2',
    '----------|-------------------|----------------|----------------|-----------|----------',
  ];
  for (const w of WORKLOADS) {
    const o = ours.get(w);
    const a = t1?.get(w);
    const b = t2?.get(w);
    lines.push(
      `${w.padEnd(9)} | ${fmt(o).padStart(17)} | ${fmt(a).padStart(14)} | ${fmt(b).padStart(14)} | ${ratio(o, a).padStart(9)} | ${ratio(o, b).padStart(8)}`,
    );
  }
  return lines.join('\n');
}

// Run directly: `node bin/run-ts.mjs bench/memcached.ts`.
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  console.log(await benchMemcached());
}
