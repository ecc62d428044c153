// Memory per key for 1M small string keys: our engine's process (RSS growth, and the V8 heap it holds)
// against real redis-server's used_memory growth, filled with the same keys in the same run.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { Redis } from 'ioredis';
import { freePort } from '../test/support/net.ts';

const KEYS = 1_000_000;
const BATCH = 1000;

function start(cmd: string, args: string[], ready: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes(ready)) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`${cmd} exited ${code}: ${out}`)));
  });
}

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) * 1024;
}

async function fill(redis: Redis): Promise<void> {
  for (let i = 0; i < KEYS; i += BATCH * 50) {
    const pipeline = redis.pipeline();
    for (let j = i; j < Math.min(KEYS, i + BATCH * 50); j += BATCH) {
      const args: string[] = [];
      for (let k = j; k < j + BATCH; k++) args.push(`key:${k}`, `value-${k}`);
      pipeline.mset(...args);
    }
    await pipeline.exec();
  }
}

const usedMemory = async (r: Redis) => Number(/used_memory:(\d+)/.exec(await r.info('memory'))![1]);

export async function benchMemory(): Promise<string> {
  const oursPort = await freePort();
  const realPort = await freePort();
  const ours = await start(process.execPath, ['--expose-gc', 'bin/run-ts.mjs', 'engines/redis/standalone.ts', '--port', String(oursPort)], 'Ready to accept connections');
  const real = await start('redis-server', ['--port', String(realPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], 'Ready to accept connections');
  try {
    const a = new Redis({ port: oursPort });
    const b = new Redis({ port: realPort });
    const rssBefore = rssBytes(ours.pid!);
    const realBefore = await usedMemory(b);
    const realRssBefore = rssBytes(real.pid!);
    await fill(a);
    await fill(b);
    await new Promise((r) => setTimeout(r, 1000));
    const oursPerKey = (rssBytes(ours.pid!) - rssBefore) / KEYS;
    const oursReported = (await usedMemory(a)) / KEYS;
    const realPerKey = ((await usedMemory(b)) - realBefore) / KEYS;
    const realRssPerKey = (rssBytes(real.pid!) - realRssBefore) / KEYS;
    a.disconnect();
    b.disconnect();
    return [
      `### Memory per key, ${KEYS.toLocaleString('en')} keys "key:N" -> "value-N"`,
      '',
      '| measure | elasticache-local | redis-server 7 | ratio |',
      '|---|---:|---:|---:|',
      `| process RSS growth per key (bytes) | ${oursPerKey.toFixed(0)} | ${realRssPerKey.toFixed(0)} | ${(oursPerKey / realRssPerKey).toFixed(2)}x |`,
      `| used_memory per key (bytes) | ${oursReported.toFixed(0)} (estimate) | ${realPerKey.toFixed(0)} | ${(oursPerKey / realPerKey).toFixed(2)}x (our RSS vs its used_memory) |`,
    ].join('\n');
  } finally {
    ours.kill('SIGKILL');
    real.kill('SIGKILL');
  }
}
