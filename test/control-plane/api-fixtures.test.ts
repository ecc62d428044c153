import * as sdk from '@aws-sdk/client-elasticache';
import { HttpResponse } from '@smithy/core/protocols';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { decodeInput } from '../../src/protocol/decode.ts';
import { OPERATIONS } from '../../src/protocol/operations.ts';
import { CREDENTIALS, startEmulator } from '../support/emulator.ts';

const FIXTURES = 'api-fixtures';

function formOf(text: string): URLSearchParams {
  return new URLSearchParams(text.split('\n').map((l) => l.trim()).join(''));
}

type Command = new (input: unknown) => Parameters<sdk.ElastiCacheClient['send']>[0];
function commandFor(action: string): Command {
  return (sdk as unknown as Record<string, Command>)[`${action}Command`]!;
}

/** A client whose transport answers with the fixture's bytes: the SDK's own deserializer reads them. */
function cannedClient(status: number, xml: string): sdk.ElastiCacheClient {
  return new sdk.ElastiCacheClient({
    region: 'us-east-1',
    credentials: CREDENTIALS,
    maxAttempts: 1,
    requestHandler: {
      handle: async () => ({
        response: new HttpResponse({ statusCode: status, headers: { 'content-type': 'text/xml' }, body: Readable.from([Buffer.from(xml)]) }),
      }),
    },
  });
}

/** The set of member paths an output has; arrays of structures contribute their elements' paths. */
function shape(value: unknown, prefix = ''): Set<string> {
  const out = new Set<string>();
  if (Array.isArray(value)) {
    for (const item of value) if (item && typeof item === 'object') for (const p of shape(item, `${prefix}[]`)) out.add(p);
    return out;
  }
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$metadata' || v === undefined) continue;
      const p = prefix ? `${prefix}.${k}` : k;
      out.add(p);
      for (const sub of shape(v, p)) out.add(sub);
    }
  }
  return out;
}

async function outcome(client: sdk.ElastiCacheClient, action: string, input: unknown): Promise<{ ok: unknown } | { error: string }> {
  try {
    return { ok: await client.send(new (commandFor(action))(input)) };
  } catch (err) {
    return { error: (err as { name: string }).name };
  }
}

const dirs = fs.readdirSync(FIXTURES).filter((d) => fs.statSync(path.join(FIXTURES, d)).isDirectory()).sort();

describe('api-fixtures', () => {
  it('has a fixture for every action that is implemented', async () => {
    const { ACTIONS } = await import('../../src/actions/index.ts');
    expect(Object.keys(ACTIONS).filter((a) => !dirs.includes(a))).toEqual([]);
  });

  for (const action of dirs) {
    it(`${action}: our answer has the fixture's shape, both read by the SDK`, async () => {
      const dir = path.join(FIXTURES, action);
      const requestText = fs.readFileSync(path.join(dir, 'request.txt'), 'utf8');
      const xml = fs.readFileSync(path.join(dir, 'response.xml'), 'utf8');
      const isError = xml.includes('<ErrorResponse');
      const operation = OPERATIONS.get(action)!;
      const emulator = await startEmulator({ transitionDelayMs: 50 });
      const client = new sdk.ElastiCacheClient({ endpoint: emulator.url, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });
      try {
        const setupFile = path.join(dir, 'setup.txt');
        const setup = fs.existsSync(setupFile) ? fs.readFileSync(setupFile, 'utf8').split('\n').filter((l) => l.trim()) : [];
        for (const line of setup) {
          if (line === '#wait') {
            await waitSettled(client);
            continue;
          }
          if (line === '#sleep') {
            // Lets asynchronous transitions without a waitable Describe (user groups) finish.
            await new Promise((r) => setTimeout(r, 200));
            continue;
          }
          const res = await fetch(emulator.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: line });
          expect(res.status, await res.text()).toBe(200);
        }
        // Global datastore ids carry an account-specific prefix: fixtures name it $GLOBAL.
        const globalId = requestText.includes('$GLOBAL')
          ? (await client.send(new sdk.DescribeGlobalReplicationGroupsCommand({}))).GlobalReplicationGroups![0]!.GlobalReplicationGroupId!
          : '';
        const request = formOf(requestText.replaceAll('$GLOBAL', globalId));
        expect(request.get('Action')).toBe(action);
        const params = [...request].filter(([k]) => k !== 'Action' && k !== 'Version');
        const input = decodeInput(operation.input, params);
        const expected = await outcome(cannedClient(isError ? 400 : 200, xml), action, input);
        const actual = await outcome(client, action, input);
        if ('error' in expected) {
          expect(actual).toEqual(expected);
          return;
        }
        expect('ok' in actual, JSON.stringify(actual)).toBe(true);
        if (!('ok' in actual)) return;
        const ours = shape(actual.ok);
        const missing = [...shape(expected.ok)].filter((p) => !ours.has(p));
        expect(missing).toEqual([]);
      } finally {
        client.destroy();
        await emulator.stop();
      }
    });
  }
});

async function waitSettled(client: sdk.ElastiCacheClient): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const clusters = await client.send(new sdk.DescribeCacheClustersCommand({}));
    const groups = await client.send(new sdk.DescribeReplicationGroupsCommand({}));
    const snapshots = await client.send(new sdk.DescribeSnapshotsCommand({}));
    const busy = [
      ...clusters.CacheClusters!.map((c) => c.CacheClusterStatus),
      ...groups.ReplicationGroups!.map((g) => g.Status),
      ...snapshots.Snapshots!.map((s) => s.SnapshotStatus),
    ];
    if (busy.every((s) => s === 'available')) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('resources did not settle');
}
