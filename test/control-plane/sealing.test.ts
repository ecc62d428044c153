import { CreateCacheClusterCommand, CreateCacheSubnetGroupCommand, DescribeCacheClustersCommand } from '@aws-sdk/client-elasticache';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/index.ts';
import { start } from '../../src/index.ts';
import { pathInside } from '../../src/store/paths.ts';
import { CREDENTIALS, hasTool, sdkClient, startEmulator } from '../support/emulator.ts';

const errorCode = (xml: string) => /<Code>([^<]+)<\/Code>/.exec(xml)?.[1];

async function call(emulator: Emulator, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(emulator.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });
  return { status: res.status, text: await res.text() };
}

const signedFor = (key: string, region: string) => ({
  authorization: `AWS4-HMAC-SHA256 Credential=${key}/20260101/${region}/elasticache/aws4_request, SignedHeaders=host, Signature=00`,
});

/** Every file under dir, relative to it. */
function filesUnder(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))) : [];
}

describe('accounts and regions are sealed', () => {
  let emulator: Emulator;
  let outside: string;
  beforeAll(async () => {
    // The data directory sits one level down, so a path escaping it lands in `outside`, where we look.
    outside = fs.mkdtempSync(path.join(os.tmpdir(), 'sealing-'));
    emulator = await start({ port: 0, dataDir: path.join(outside, 'data'), transitionDelayMs: 50 });
  });
  afterAll(async () => {
    await emulator.stop();
    fs.rmSync(outside, { recursive: true, force: true });
  });

  it('refuses a SigV4 scope whose region is not an AWS region, with the code AWS gives, before anything is written', async () => {
    for (const region of ['..', '.', 'us-east-1/..', 'xx-fake-1', 'US-EAST-1', '']) {
      const r = await call(
        emulator,
        'Action=CreateCacheCluster&Version=2015-02-02&CacheClusterId=escape&Engine=redis&CacheNodeType=cache.t3.micro',
        signedFor('111111111111', region),
      );
      // A region with a slash breaks the credential scope's five parts: the signature is malformed.
      if (region.includes('/')) {
        expect(r.status).toBe(400);
        expect(errorCode(r.text)).toBe('IncompleteSignature');
        continue;
      }
      expect(r.status).toBe(403);
      expect(errorCode(r.text)).toBe('SignatureDoesNotMatch');
      expect(r.text).toContain(`<Message>Credential should be scoped to a valid region, not &apos;${region}&apos;. </Message>`);
      expect(r.text).toContain('<Type>Sender</Type>');
    }
    expect(fs.readdirSync(outside)).toEqual(['data']);
    const data = filesUnder(path.join(outside, 'data'));
    expect(data.filter((f) => f.startsWith('nodes') || f.startsWith('snapshots'))).toEqual([]);
  });

  it('accepts every real region and keeps them apart', async () => {
    const body = 'Action=CreateCacheSubnetGroup&Version=2015-02-02&CacheSubnetGroupName=sealed&CacheSubnetGroupDescription=d&SubnetIds.SubnetIdentifier.1=subnet-1';
    expect((await call(emulator, body, signedFor('111111111111', 'ap-southeast-7'))).status).toBe(200);
    expect((await call(emulator, body, signedFor('111111111111', 'us-gov-west-1'))).status).toBe(200);
    const other = await call(emulator, 'Action=DescribeCacheSubnetGroups&Version=2015-02-02&CacheSubnetGroupName=sealed', signedFor('222222222222', 'ap-southeast-7'));
    expect(errorCode(other.text)).toBe('CacheSubnetGroupNotFoundFault');
  });

  it('refuses S3 ARNs that would leave their bucket, so one account cannot restore another account snapshot', async () => {
    // A snapshot file of account 111111111111, where the emulator keeps it.
    const victim = path.join(outside, 'data', 'snapshots', '111111111111', 'us-east-1', 'secret', '0001.rdb');
    fs.mkdirSync(path.dirname(victim), { recursive: true });
    fs.writeFileSync(victim, 'REDIS0010');
    fs.writeFileSync(path.join(outside, 'outside.rdb'), 'REDIS0010');
    const attacker = sdkClient(emulator, 'us-east-1', { accessKeyId: '222222222222', secretAccessKey: 'x' });
    const arns = [
      'arn:aws:s3:::../snapshots/111111111111/us-east-1/secret/0001.rdb',
      'arn:aws:s3:::bucket/../../snapshots/111111111111/us-east-1/secret/0001.rdb',
      'arn:aws:s3:::bucket/./../../outside.rdb',
      'arn:aws:s3:::bucket//etc/passwd',
      'arn:aws:s3:::bucket/a\\..\\..\\x.rdb',
      'arn:aws:s3:::..',
      'arn:aws:s3:::a..b/key.rdb',
      'arn:aws:s3:::Bucket/key.rdb',
      'arn:aws:s3:::192.168.1.1/key.rdb',
      `arn:aws:s3:::bucket/${'k'.repeat(1025)}`,
    ];
    for (const arn of arns) {
      const err = await attacker
        .send(new CreateCacheClusterCommand({ CacheClusterId: 'thief', Engine: 'redis', CacheNodeType: 'cache.t3.micro', SnapshotArns: [arn] }))
        .then(() => undefined, (e: { name: string; $metadata: { httpStatusCode?: number } }) => e);
      expect(err?.name, arn).toBe('InvalidParameterValueException');
      expect(err?.$metadata.httpStatusCode).toBe(400);
    }
    const clusters = await attacker.send(new DescribeCacheClustersCommand({}));
    expect(clusters.CacheClusters).toEqual([]);
    attacker.destroy();
  });

  it('builds local paths only strictly inside their folder', () => {
    expect(pathInside('/data', 'snapshots', '111111111111', 'us-east-1', 'x')).toBe('/data/snapshots/111111111111/us-east-1/x');
    for (const bad of ['..', '.', '', 'a/b', 'a\\b', 'a\0b', '/etc']) {
      expect(() => pathInside('/data', 'snapshots', bad), JSON.stringify(bad)).toThrow();
    }
  });

  it('refuses a region or an account id that is not AWS form at start-up', async () => {
    await expect(start({ port: 0, region: '..' })).rejects.toThrow(/invalid region/);
    await expect(start({ port: 0, accountId: '../../x' })).rejects.toThrow(/invalid account id/);
    await expect(start({ port: 0, credentials: [{ accessKeyId: 'AK', secretAccessKey: 's', accountId: '12' }] })).rejects.toThrow(/invalid account id/);
  });
});

describe('--verify-signatures', () => {
  let emulator: Emulator;
  const ACCOUNT = '123456789012';
  beforeAll(async () => {
    emulator = await startEmulator({ verifySignatures: true, credentials: [{ ...CREDENTIALS, accountId: ACCOUNT }] });
  });
  afterAll(async () => {
    await emulator.stop();
  });

  it('accepts requests signed by the SDK with a configured key, in the key account', async () => {
    const client = sdkClient(emulator, 'eu-west-1');
    await client.send(new CreateCacheSubnetGroupCommand({ CacheSubnetGroupName: 'signed', CacheSubnetGroupDescription: 'd', SubnetIds: ['subnet-1'] }));
    const { CacheClusters } = await client.send(new DescribeCacheClustersCommand({}));
    expect(CacheClusters).toEqual([]);
    const r = await call(emulator, 'Action=DescribeCacheSubnetGroups&Version=2015-02-02&CacheSubnetGroupName=signed', { authorization: 'x' });
    expect(r.status).toBe(400);
    client.destroy();
  });

  it('answers SignatureDoesNotMatch 403 to a wrong secret and InvalidClientTokenId 403 to an unknown key', async () => {
    const wrong = sdkClient(emulator, 'us-east-1', { accessKeyId: CREDENTIALS.accessKeyId, secretAccessKey: 'not-the-secret' });
    const e1 = await wrong.send(new DescribeCacheClustersCommand({})).catch((e: { name: string; message: string; $metadata: { httpStatusCode?: number } }) => e);
    expect(e1).toMatchObject({ name: 'SignatureDoesNotMatch', $metadata: { httpStatusCode: 403 } });
    expect((e1 as Error).message).toMatch(/^The request signature we calculated does not match the signature you provided/);
    const unknown = sdkClient(emulator, 'us-east-1', { accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: CREDENTIALS.secretAccessKey });
    const e2 = await unknown.send(new DescribeCacheClustersCommand({})).catch((e: { name: string; message: string; $metadata: { httpStatusCode?: number } }) => e);
    expect(e2).toMatchObject({ name: 'InvalidClientTokenId', message: 'The security token included in the request is invalid.', $metadata: { httpStatusCode: 403 } });
    wrong.destroy();
    unknown.destroy();
  });

  it('answers with AWS XML to a tampered body and to a request without any signature', async () => {
    const tampered = await call(emulator, 'Action=DescribeCacheClusters&Version=2015-02-02', {
      authorization: `AWS4-HMAC-SHA256 Credential=${CREDENTIALS.accessKeyId}/20260101/us-east-1/elasticache/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`,
      'x-amz-date': new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, ''),
    });
    expect(tampered.status).toBe(403);
    expect(tampered.text).toMatch(/^<ErrorResponse xmlns="http:\/\/elasticache.amazonaws.com\/doc\/2015-02-02\/"><Error><Type>Sender<\/Type><Code>SignatureDoesNotMatch<\/Code>/);
    const anonymous = await call(emulator, 'Action=DescribeCacheClusters&Version=2015-02-02');
    expect(anonymous.status).toBe(403);
    expect(errorCode(anonymous.text)).toBe('MissingAuthenticationToken');
  });

  it('accepts the aws CLI signing with the configured key and refuses it with another secret', async () => {
    if (!hasTool('aws')) return;
    const run = (secret: string) =>
      new Promise<{ code: number; stderr: string; stdout: string }>((resolve) => {
        execFile(
          'aws',
          ['elasticache', 'describe-cache-subnet-groups', '--endpoint-url', emulator.url, '--output', 'json'],
          { env: { ...process.env, AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: secret, AWS_DEFAULT_REGION: 'eu-west-1', AWS_MAX_ATTEMPTS: '1', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' } },
          (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
      });
    const [ok, bad] = await Promise.all([run(CREDENTIALS.secretAccessKey), run('wrong')]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(`arn:aws:elasticache:eu-west-1:${ACCOUNT}:subnetgroup:default`);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('SignatureDoesNotMatch');
  });
});
