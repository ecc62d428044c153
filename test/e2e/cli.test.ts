import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILD_TIMEOUT_MS, ensureBuilt, NO_TYPESCRIPT_AT_RUN_TIME } from '../support/built.ts';
import { run } from '../support/exec.ts';
import { exchange, freePort } from '../support/net.ts';

const BIN = path.resolve('bin/elasticache-local.mjs');
const children: ChildProcess[] = [];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ecl-cli-'));

// These tests run the compiled package (dist/) with plain node, as `npm ci && npx elasticache-local` does.
beforeAll(ensureBuilt, BUILD_TIMEOUT_MS + 20_000);

afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Starts the binary and resolves with its output once a line matches. */
function startUntil(args: string[], ready: RegExp, env: NodeJS.ProcessEnv = process.env): Promise<{ child: ChildProcess; output: () => string; match: RegExpMatchArray }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [NO_TYPESCRIPT_AT_RUN_TIME, BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = ready.exec(out);
      if (m) resolve({ child, output: () => out, match: m });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited ${code} before ready:\n${out}`)));
  });
}

function exitCode(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('the elasticache-local command', () => {
  it('starts, prints the API URL once it answers, and stops cleanly on SIGTERM', async () => {
    const started = Date.now();
    const dataDir = path.join(tmp, 'data');
    const { child, output, match } = await startUntil(['--port', '0', '--data-dir', dataDir], /API listening on (http:\/\/\S+)/);
    console.log(`elasticache-local answered after ${Date.now() - started} ms (including Node's own start-up)`);
    const res = await fetch(`${match[1]}/_elasticache-local/health`);
    expect(res.status).toBe(200);
    expect(output()).toContain(`data directory ${dataDir}`);
    expect(output()).toContain(`TLS CA ${path.join(dataDir, 'tls', 'ca.pem')}`);
    expect(fs.existsSync(path.join(dataDir, 'elasticache-local.sqlite'))).toBe(true);
    const exited = exitCode(child);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('says where its default data directory is', async () => {
    const { child, output } = await startUntil(['--port', '0'], /API listening on/, { ...process.env, XDG_DATA_HOME: path.join(tmp, 'xdg') });
    expect(output()).toContain(`data directory ${path.join(tmp, 'xdg', 'elasticache-local')} (default; change with --data-dir)`);
    child.kill('SIGTERM');
    await exitCode(child);
  });

  it('reads its options from environment variables', async () => {
    const { child, match } = await startUntil([], /API listening on (http:\/\/\S+)/, {
      ...process.env,
      ELASTICACHE_LOCAL_PORT: '0',
      ELASTICACHE_LOCAL_DATA_DIR: path.join(tmp, 'env'),
      ELASTICACHE_LOCAL_REGION: 'eu-central-1',
    });
    const res = await fetch(`${match[1]}/?Action=CreateCacheSubnetGroup&Version=2015-02-02&CacheSubnetGroupName=g&CacheSubnetGroupDescription=d&SubnetIds.SubnetIdentifier.1=subnet-1`);
    expect(await res.text()).toContain('arn:aws:elasticache:eu-central-1:000000000000:subnetgroup:g');
    child.kill('SIGTERM');
    await exitCode(child);
  });

  it('refuses bad options with a message and exit code 2', async () => {
    let r = await run(process.execPath, [NO_TYPESCRIPT_AT_RUN_TIME, BIN, '--port', 'abc']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--port must be a non-negative integer');
    r = await run(process.execPath, [NO_TYPESCRIPT_AT_RUN_TIME, BIN, '--node-port-range', '9-1', '--port', '0', '--data-dir', path.join(tmp, 'bad')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('invalid node port range');
    r = await run(process.execPath, [NO_TYPESCRIPT_AT_RUN_TIME, BIN, '--no-such-flag']);
    expect(r.code).toBe(2);
  });

  it('runs a bare Redis engine with `redis-server --port N`', async () => {
    const port = await freePort();
    const { child } = await startUntil(['redis-server', '--port', String(port)], /Ready to accept connections/);
    expect(await exchange(port, 'PING\r\n')).toBe('+PONG\r\n');
    child.kill('SIGTERM');
    await exitCode(child);
  });

  it('runs a bare Memcached engine with `memcached --port N`', async () => {
    const port = await freePort();
    const { child } = await startUntil(['memcached', '--port', String(port)], new RegExp(String(port)));
    expect(await exchange(port, 'version\r\n')).toMatch(/^VERSION \d/);
    child.kill('SIGTERM');
    await exitCode(child);
  });

  it("is importable by its package name for test suites", async () => {
    const script = "import { start } from 'elasticache-local'; const e = await start({ port: 0 }); const r = await fetch(e.url + '/?Action=DescribeCacheClusters&Version=2015-02-02'); console.log(r.status, e.url.startsWith('http://127.0.0.1:')); await e.stop();";
    const r = await run(process.execPath, [NO_TYPESCRIPT_AT_RUN_TIME, '--input-type=module', '-e', script], { cwd: path.resolve('.') });
    expect(r.stdout.trim().split('\n').at(-1), r.stderr).toBe('200 true');
  });
});

describe('crash safety', () => {
  it('survives kill -9: metadata intact, nodes back on their ports, data gone as after an AWS node restart', async () => {
    const dataDir = path.join(tmp, 'crash');
    const first = await startUntil(['--port', '0', '--data-dir', dataDir, '--node-port-range', 'ephemeral', '--delay-ms', '50'], /API listening on (http:\/\/\S+)/);
    const url = first.match[1]!;
    const call = async (query: string) => (await fetch(`${url}/?Version=2015-02-02&${query}`)).text();
    await call('Action=CreateCacheCluster&CacheClusterId=crashy&Engine=redis&CacheNodeType=cache.t3.micro');
    let port = 0;
    for (let i = 0; i < 100 && !port; i++) {
      const xml = await call('Action=DescribeCacheClusters&CacheClusterId=crashy&ShowCacheNodeInfo=true');
      if (xml.includes('<CacheClusterStatus>available')) port = Number(/<Port>(\d+)<\/Port>/.exec(xml)![1]);
      else await new Promise((r) => setTimeout(r, 50));
    }
    expect(await exchange(port, 'SET k v\r\n')).toBe('+OK\r\n');
    const exited = exitCode(first.child);
    first.child.kill('SIGKILL');
    await exited;

    const second = await startUntil(['--port', '0', '--data-dir', dataDir, '--node-port-range', 'ephemeral'], /API listening on (http:\/\/\S+)/);
    const xml = await (await fetch(`${second.match[1]}/?Version=2015-02-02&Action=DescribeCacheClusters&CacheClusterId=crashy&ShowCacheNodeInfo=true`)).text();
    expect(xml).toContain('<CacheClusterStatus>available</CacheClusterStatus>');
    expect(xml).toContain(`<Port>${port}</Port>`);
    expect(await exchange(port, 'GET k\r\n')).toBe('$-1\r\n');
    second.child.kill('SIGTERM');
    await exitCode(second.child);
  });
});

describe('a snapshot interrupted by kill -9', () => {
  it('is failed after the restart, never half-written', async () => {
    const dataDir = path.join(tmp, 'crash-snapshot');
    // A long transition delay keeps the snapshot in `creating` when the process dies.
    const first = await startUntil(['--port', '0', '--data-dir', dataDir, '--node-port-range', 'ephemeral', '--delay-ms', '300'], /API listening on (http:\/\/\S+)/);
    const call = async (url: string, query: string) => (await fetch(`${url}/?Version=2015-02-02&${query}`)).text();
    const url = first.match[1]!;
    await call(url, 'Action=CreateCacheCluster&CacheClusterId=snapme&Engine=redis&CacheNodeType=cache.t3.micro');
    for (let i = 0; i < 100; i++) {
      if ((await call(url, 'Action=DescribeCacheClusters&CacheClusterId=snapme')).includes('<CacheClusterStatus>available')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await call(url, 'Action=CreateSnapshot&CacheClusterId=snapme&SnapshotName=interrupted')).toContain('<SnapshotStatus>creating</SnapshotStatus>');
    const exited = exitCode(first.child);
    first.child.kill('SIGKILL');
    await exited;
    // What a crash mid-write leaves behind: a temporary file, never the snapshot's own name.
    const snapDir = path.join(dataDir, 'snapshots', '000000000000', 'us-east-1', 'interrupted');
    fs.mkdirSync(snapDir, { recursive: true });
    fs.writeFileSync(path.join(snapDir, '0001.rdb.123.456.tmp'), 'REDIS00');

    const second = await startUntil(['--port', '0', '--data-dir', dataDir, '--node-port-range', 'ephemeral'], /API listening on (http:\/\/\S+)/);
    const xml = await call(second.match[1]!, 'Action=DescribeSnapshots&SnapshotName=interrupted');
    expect(xml).toContain('<SnapshotStatus>failed</SnapshotStatus>');
    expect(fs.readdirSync(snapDir)).toEqual([]);
    second.child.kill('SIGTERM');
    await exitCode(second.child);
  });
});
