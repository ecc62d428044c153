// One structured logger: pino's JSON lines at the --log-level asked for, requests among them with
// --log-requests, and a level pino does not know refused before anything starts.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { start } from '../../src/index.ts';
import type { LogLevel } from '../../src/log.ts';
import { writeSourceCli } from '../support/cli-source.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ecl-log-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  fs.rmSync(tmp, { recursive: true, force: true });
});

function jsonLines(text: string): Record<string, unknown>[] {
  return text.split('\n').flatMap((line) => {
    try {
      const v: unknown = JSON.parse(line);
      return typeof v === 'object' && v !== null ? [v as Record<string, unknown>] : [];
    } catch {
      return [];
    }
  });
}

describe('--log-level', () => {
  it('logs requests and each resource as it becomes available as JSON lines through the one logger, and stops cleanly', async () => {
    const bin = path.join(tmp, 'elasticache-local');
    writeSourceCli(bin);
    const child = spawn(process.execPath, [bin, '--port', '0', '--data-dir', path.join(tmp, 'data'), '--log-level', 'debug', '--log-requests', '--delay-ms', '50'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const deadline = Date.now() + 60_000;
    while (!/API listening on (http:\/\/\S+)/.test(out)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no API:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const url = /API listening on (http:\/\/\S+)/.exec(out)![1]!;
    const res = await fetch(`${url}/?Action=DescribeCacheClusters&Version=2015-02-02`);
    expect(res.status).toBe(200);
    while (!jsonLines(out).some((l) => l.msg === 'request completed')) {
      if (Date.now() > deadline) throw new Error(`no request log:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const lines = jsonLines(out);
    const incoming = lines.find((l) => l.msg === 'incoming request');
    expect(incoming).toMatchObject({ name: 'elasticache-local', level: 30 });
    expect(JSON.stringify(incoming)).toContain('Action=DescribeCacheClusters');

    // Progress where people wait: the resource, once it settles, at info.
    const created = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=CreateCacheCluster&Version=2015-02-02&CacheClusterId=logged&Engine=memcached&CacheNodeType=cache.t3.micro&NumCacheNodes=1',
    });
    expect(created.status).toBe(200);
    while (!jsonLines(out).some((l) => l.msg === 'Cache cluster logged is available')) {
      if (Date.now() > deadline) throw new Error(`no progress line:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(jsonLines(out).find((l) => l.msg === 'Cache cluster logged is available')).toMatchObject({ level: 30, kind: 'cluster', id: 'logged', from: 'creating', to: 'available' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 90_000);

  it('is refused when pino has no such level, before anything listens', async () => {
    await expect(start({ port: 0, logLevel: 'loud' as LogLevel })).rejects.toThrow(/invalid log level "loud"/);
    const quiet = await start({ port: 0, logLevel: 'silent' });
    await quiet.stop();
  });
});
