import {
  CreateReplicationGroupCommand,
  DescribeReplicationGroupsCommand,
  TestFailoverCommand,
  waitUntilReplicationGroupAvailable,
  type ElastiCacheClient,
} from '@aws-sdk/client-elasticache';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/index.ts';
import { Browser, CHROMIUM, type Page } from '../support/chromium.ts';
import { FAST_WAIT, hasTool, sdkClient, startEmulator } from '../support/emulator.ts';

// redis-cli must run asynchronously: the emulator it talks to lives on this very event loop.
const redisCli = async (...args: string[]) => (await promisify(execFile)('redis-cli', args, { timeout: 10_000 })).stdout.trim();
const ARTIFACTS = path.join(import.meta.dirname, '..', '..', 'test-artifacts', 'console');
const ready = hasTool(CHROMIUM, ['--version']) && hasTool('redis-cli');

let emulator: Emulator;
let client: ElastiCacheClient;
let browser: Browser;
let page: Page;
beforeAll(async () => {
  if (!ready) return;
  emulator = await startEmulator({ transitionDelayMs: 100 });
  client = sdkClient(emulator);
  browser = Browser.launch();
});
afterAll(async () => {
  if (!ready) return;
  await browser.close();
  client.destroy();
  await emulator.stop();
});

describe.skipIf(!ready)('web console in headless Chromium', () => {
  it('lists a created group, shows the new primary after TestFailover, and browses a key written with redis-cli', async () => {
    await client.send(new CreateReplicationGroupCommand({
      ReplicationGroupId: 'web', ReplicationGroupDescription: 'console test', Engine: 'redis', CacheNodeType: 'cache.t3.micro',
      NumCacheClusters: 2, AutomaticFailoverEnabled: true, MultiAZEnabled: true,
    }));
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'web' });
    const g = (await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'web' }))).ReplicationGroups![0]!;
    const port = String(g.NodeGroups![0]!.PrimaryEndpoint!.Port);
    expect(await redisCli('-p', port, 'SET', 'greeting', 'hello from redis-cli')).toBe('OK');
    expect(await redisCli('-p', port, 'RPUSH', 'queue', 'a', 'b', 'c')).toBe('3');

    // A browser opening the emulator's address lands on the console.
    page = await browser.open(`${emulator.url}/`);
    await page.waitFor(`location.pathname === '/_elasticache-local/console'`);
    await page.waitFor(`document.querySelector('[data-group="web"] [data-node="web-001/0001"][data-role="primary"]')`);
    await page.waitFor(`document.querySelector('[data-node="web-002/0001"][data-role="replica"]')`);
    await page.screenshot(path.join(ARTIFACTS, '1-group.png'));

    await client.send(new TestFailoverCommand({ ReplicationGroupId: 'web', NodeGroupId: '0001' }));
    await page.waitFor(`document.querySelector('[data-node="web-002/0001"][data-role="primary"]')`);
    await page.waitFor(`document.querySelector('[data-node="web-001/0001"][data-role="replica"][data-up="true"]')`);
    await page.screenshot(path.join(ARTIFACTS, '2-after-failover.png'));

    await page.evaluate(`(() => {
      document.querySelector('#key-node').value = 'web-002/0001';
      document.querySelector('#key-pattern').value = 'gree*';
      document.querySelector('#key-scan').click();
    })()`);
    await page.waitFor(`document.querySelector('#key-list tr[data-key="greeting"]')`);
    expect(await page.evaluate<number>(`document.querySelectorAll('#key-list tr[data-key]').length`)).toBe(1);
    expect(await page.evaluate<string>(`document.querySelector('#key-list tr[data-key="greeting"]').textContent`)).toContain('string');
    await page.evaluate(`document.querySelector('#key-list tr[data-key="greeting"]').click()`);
    await page.waitFor(`document.querySelector('#key-value-text')?.textContent === 'hello from redis-cli'`);
    await page.screenshot(path.join(ARTIFACTS, '3-key-browser.png'));
    expect(fs.existsSync(path.join(ARTIFACTS, '3-key-browser.png'))).toBe(true);

    // Delete from the console; redis-cli no longer finds it.
    await page.evaluate(`document.querySelector('[data-act="delete-key"]').click()`);
    await page.waitFor(`!document.querySelector('#key-list tr[data-key="greeting"]') && document.querySelector('#key-value').textContent === ''`);
    expect(await redisCli('-p', port, 'EXISTS', 'greeting')).toBe('0');

    // The key browser runs reads and DEL only.
    const refused = await fetch(`${emulator.url}/_elasticache-local/console/api/command`, { method: 'POST', body: JSON.stringify({ node: 'web-002/0001', args: ['FLUSHALL'] }) });
    expect(refused.status).toBe(400);
    expect(await redisCli('-p', port, 'LLEN', 'queue')).toBe('3');
  });
});
