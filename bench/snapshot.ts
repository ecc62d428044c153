// 1M-key snapshot and restore: our engine's RDB dump/load against redis-server's SAVE and restart,
// both filled with the same keys in the same run.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { createRedisNode } from '../engines/redis/index.ts';

const KEYS = 1_000_000;
const BATCH = 1000;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function fill(port: number): Promise<void> {
  const redis = new Redis({ port, lazyConnect: true });
  await redis.connect();
  for (let i = 0; i < KEYS; i += BATCH * 50) {
    const pipeline = redis.pipeline();
    for (let j = i; j < Math.min(KEYS, i + BATCH * 50); j += BATCH) {
      const args: string[] = [];
      for (let k = j; k < j + BATCH; k++) args.push(`key:${k}`, `value-${k}`);
      pipeline.mset(...args);
    }
    await pipeline.exec();
  }
  redis.disconnect();
}

async function waitReady(port: number): Promise<void> {
  for (;;) {
    try {
      const redis = new Redis({ port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      redis.on('error', () => undefined);
      await redis.connect();
      const n = await redis.dbsize();
      redis.disconnect();
      if (n === KEYS) return;
    } catch {
      // still loading or not listening yet
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

function startRedis(port: number, dir: string): ChildProcess {
  return spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
}

export async function benchSnapshot(): Promise<string> {
  const ours = createRedisNode({ port: 0 });
  const port = await ours.listen();
  await fill(port);
  let t = performance.now();
  const rdb = ours.dump();
  const dumpMs = performance.now() - t;
  await ours.close();
  const fresh = createRedisNode({ port: 0 });
  await fresh.listen();
  t = performance.now();
  fresh.load([rdb]);
  const loadMs = performance.now() - t;
  const loadedKeys = fresh.stats().keys;
  await fresh.close();

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecl-bench-rdb-'));
  const realPort = await freePort();
  let real = startRedis(realPort, dir);
  await new Promise((r) => setTimeout(r, 200));
  await fill(realPort);
  const client = new Redis({ port: realPort, lazyConnect: true });
  await client.connect();
  t = performance.now();
  await client.save();
  const saveMs = performance.now() - t;
  client.disconnect();
  real.kill('SIGKILL');
  await new Promise((r) => real.once('exit', r));
  const realSize = fs.statSync(path.join(dir, 'dump.rdb')).size;
  t = performance.now();
  real = startRedis(realPort, dir);
  await waitReady(realPort);
  const restartMs = performance.now() - t;
  real.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });

  const row = (name: string, a: string, b: string) => `| ${name.padEnd(28)} | ${a.padStart(14)} | ${b.padStart(16)} |`;
  return [
    `### Snapshot and restore of ${KEYS.toLocaleString('en')} string keys`,
    '',
    row('', 'elasticache-local', 'redis-server 7'),
    row('---', '---:', '---:'),
    row('dump to RDB (ms)', dumpMs.toFixed(0), `${saveMs.toFixed(0)} (SAVE)`),
    row('load RDB (ms)', loadMs.toFixed(0), `${restartMs.toFixed(0)} (restart)`),
    row('RDB size (bytes)', String(rdb.length), String(realSize)),
    row('keys after load', String(loadedKeys), String(KEYS)),
  ].join('\n');
}
