// redis-benchmark against our engine (in a child process, so the harness never shares its thread)
// and against real redis-server in the same run; returns a table of both and the ratio.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const TESTS = 'set,get,incr,lpush,lpop,sadd,hset,zadd,mset';
const CLIENTS = 50;
const REQUESTS = 100000;
const PIPELINES = [1, 16];
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

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

/** Starts a process and resolves once its stdout contains `ready`. */
export function startProcess(cmd: string, args: string[], ready: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${cmd} did not become ready: ${out}`)), 20000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes(ready)) {
        clearTimeout(timer);
        resolve(child);
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
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Runs redis-benchmark for one test in CSV mode; returns requests/second. */
function runBenchmark(port: number, test: string, pipeline: number): number {
  const r = spawnSync('redis-benchmark', ['-p', String(port), '-q', '-c', String(CLIENTS), '-n', String(REQUESTS), '-t', test, '-P', String(pipeline), '--csv'], {
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (r.status !== 0) throw new Error(`redis-benchmark failed: ${r.stderr}`);
  for (const line of r.stdout.split('\n')) {
    const m = /^"([^"]+)","([0-9.]+)"/.exec(line.trim());
    if (m) return Number(m[2]);
  }
  throw new Error(`no result for ${test}: ${r.stdout}`);
}

/** Each test alternates between the servers and keeps the best of REPEATS, so load from other processes on the machine hits both sides alike. */
const REPEATS = 2;

export async function benchRedis(): Promise<string> {
  const oursPort = await freePort();
  const realPort = await freePort();
  const ours = await startProcess(process.execPath, ['bin/run-ts.mjs', 'engines/redis/standalone.ts', '--port', String(oursPort)], 'Ready to accept connections');
  let real: ChildProcess | null = null;
  const lines = ['| test | -P | ours (req/s) | redis-server (req/s) | ratio |', '|---|---:|---:|---:|---:|'];
  try {
    real = await startProcess('redis-server', ['--port', String(realPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], 'Ready to accept connections');
    for (const pipeline of PIPELINES) {
      for (const test of TESTS.split(',')) {
        let bestOurs = 0;
        let bestReal = 0;
        for (let i = 0; i < REPEATS; i++) {
          bestOurs = Math.max(bestOurs, runBenchmark(oursPort, test, pipeline));
          bestReal = Math.max(bestReal, runBenchmark(realPort, test, pipeline));
        }
        lines.push(`| ${test.toUpperCase()} | ${pipeline} | ${bestOurs.toFixed(0)} | ${bestReal.toFixed(0)} | ${(bestOurs / bestReal).toFixed(2)}x |`);
      }
    }
  } finally {
    await stop(ours);
    if (real) await stop(real);
  }
  return lines.join('\n');
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (invokedDirectly) {
  benchRedis().then(
    (t) => console.log(t),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
