// `npx elasticache-local` as a user's project runs it (the package in its node_modules), stopped with a
// SIGTERM to the npx process: npm runs the bin through a shell, and the emulator must still stop and free
// the API port and every node's port. The project's bin runs the TypeScript sources (the CLI tests prove
// the compiled package); what is under test here is the launch through npm.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeSourceCli } from '../support/cli-source.ts';
import { hasTool } from '../support/emulator.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ecl-npx-'));
const children: ChildProcess[] = [];

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A project with elasticache-local's bin in node_modules/.bin, as `npm install elasticache-local` leaves it. */
function userProject(): string {
  const dir = path.join(tmp, 'project');
  const bin = path.join(dir, 'node_modules', '.bin', 'elasticache-local');
  writeSourceCli(bin);
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'user-project', version: '1.0.0', private: true }));
  return dir;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

let output = '';

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; output:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function query(url: string, params: Record<string, string>): Promise<string> {
  const res = await fetch(`${url}/?${new URLSearchParams({ Version: '2015-02-02', ...params })}`);
  return res.text();
}

describe('npx elasticache-local', () => {
  it('stops with its nodes when the npx process gets SIGTERM', async () => {
    expect(hasTool('npx')).toBe(true);
    const cwd = userProject();
    const dataDir = path.join(tmp, 'data');
    const npx = spawn('npx', ['--offline', 'elasticache-local', '--port', '0', '--data-dir', dataDir, '--node-port-range', 'ephemeral', '--delay-ms', '0'], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(npx);
    npx.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    npx.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const url = await until('the API', async () => /API listening on (http:\/\/\S+)/.exec(output)?.[1], 60_000);
    const apiPort = Number(new URL(url).port);

    await query(url, { Action: 'CreateCacheCluster', CacheClusterId: 'c1', Engine: 'memcached', CacheNodeType: 'cache.t3.micro', NumCacheNodes: '1' });
    const nodePort = await until('the node', async () => {
      const xml = await query(url, { Action: 'DescribeCacheClusters', CacheClusterId: 'c1', ShowCacheNodeInfo: 'true' });
      const m = /<Endpoint>\s*<Address>[^<]*<\/Address>\s*<Port>(\d+)<\/Port>/.exec(xml);
      return m && xml.includes('<CacheClusterStatus>available</CacheClusterStatus>') ? Number(m[1]) : undefined;
    }, 30_000);
    expect(await accepts(nodePort)).toBe(true);

    npx.kill('SIGTERM');
    await until('the ports to close', async () => ((await accepts(apiPort)) || (await accepts(nodePort)) ? undefined : true), 10_000);
  }, 120_000);
});
