// LogDeliveryConfigurations stored, described, validated, and delivered locally under
// <data-dir>/logs/<destination>/ in the chosen format.
import {
  CreateCacheClusterCommand,
  CreateCacheParameterGroupCommand,
  DescribeCacheClustersCommand,
  ModifyCacheParameterGroupCommand,
  waitUntilCacheClusterAvailable,
} from '@aws-sdk/client-elasticache';
import { Redis } from 'ioredis';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { emulatorForTests, FAST_WAIT } from '../support/emulator.ts';

const { emulator, client } = emulatorForTests({ transitionDelayMs: 50 });

async function fileWith(file: string, text: string): Promise<string> {
  for (let i = 0; i < 400; i++) {
    const body = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    if (body.includes(text)) return body;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${file} never contained ${text}`);
}

describe('log delivery', () => {
  it('refuses what AWS refuses', async () => {
    const base = { CacheClusterId: 'bad-logs', Engine: 'redis', CacheNodeType: 'cache.t3.micro' };
    await expect(
      client.send(new CreateCacheClusterCommand({ ...base, LogDeliveryConfigurations: [{ LogType: 'audit-log' as never, DestinationType: 'cloudwatch-logs', LogFormat: 'json', DestinationDetails: { CloudWatchLogsDetails: { LogGroup: 'g' } } }] })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    await expect(
      client.send(new CreateCacheClusterCommand({ ...base, LogDeliveryConfigurations: [{ LogType: 'slow-log', DestinationType: 'kinesis-firehose', LogFormat: 'json', DestinationDetails: { CloudWatchLogsDetails: { LogGroup: 'g' } } }] })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    await expect(
      client.send(new CreateCacheClusterCommand({ ...base, EngineVersion: '6.0', LogDeliveryConfigurations: [{ LogType: 'engine-log', DestinationType: 'cloudwatch-logs', LogFormat: 'text', DestinationDetails: { CloudWatchLogsDetails: { LogGroup: 'g' } } }] })),
    ).rejects.toMatchObject({ name: 'InvalidParameterCombinationException' });
  });

  it('writes the slow log as JSON and the engine log as text to their destinations', async () => {
    await client.send(new CreateCacheParameterGroupCommand({ CacheParameterGroupName: 'log-all', CacheParameterGroupFamily: 'redis7', Description: 'slow log everything' }));
    await client.send(
      new ModifyCacheParameterGroupCommand({ CacheParameterGroupName: 'log-all', ParameterNameValues: [{ ParameterName: 'slowlog-log-slower-than', ParameterValue: '0' }] }),
    );
    await client.send(
      new CreateCacheClusterCommand({
        CacheClusterId: 'logged',
        Engine: 'redis',
        CacheNodeType: 'cache.t3.micro',
        CacheParameterGroupName: 'log-all',
        LogDeliveryConfigurations: [
          { LogType: 'slow-log', DestinationType: 'cloudwatch-logs', LogFormat: 'json', DestinationDetails: { CloudWatchLogsDetails: { LogGroup: 'slow-group' } } },
          { LogType: 'engine-log', DestinationType: 'kinesis-firehose', LogFormat: 'text', DestinationDetails: { KinesisFirehoseDetails: { DeliveryStream: 'engine-stream' } } },
        ],
      }),
    );
    await waitUntilCacheClusterAvailable({ client, ...FAST_WAIT }, { CacheClusterId: 'logged' });
    const c = (await client.send(new DescribeCacheClustersCommand({ CacheClusterId: 'logged', ShowCacheNodeInfo: true }))).CacheClusters![0]!;
    expect(c.LogDeliveryConfigurations).toEqual([
      { LogType: 'slow-log', DestinationType: 'cloudwatch-logs', LogFormat: 'json', DestinationDetails: { CloudWatchLogsDetails: { LogGroup: 'slow-group' } }, Status: 'active' },
      { LogType: 'engine-log', DestinationType: 'kinesis-firehose', LogFormat: 'text', DestinationDetails: { KinesisFirehoseDetails: { DeliveryStream: 'engine-stream' } }, Status: 'active' },
    ]);
    const redis = new Redis({ port: c.CacheNodes![0]!.Endpoint!.Port!, lazyConnect: true });
    await redis.connect();
    await redis.set('logged-key', 'v');
    redis.disconnect();

    const logs = path.join(emulator.config.dataDir, 'logs');
    const slow = await fileWith(path.join(logs, 'slow-group', 'logged-0001.log'), 'logged-key');
    const entry = slow.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).find((e) => String(e.Command).includes('logged-key'))!;
    expect(entry).toMatchObject({ CacheClusterId: 'logged', CacheNodeId: '0001', Command: 'set logged-key v' });
    const engine = await fileWith(path.join(logs, 'engine-stream', 'logged-0001.log'), 'Cache cluster created');
    expect(engine).toMatch(/^logged:0001 \S+ \* /m);
  });
});
