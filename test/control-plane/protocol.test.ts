import { describe, expect, it } from 'vitest';
import { OPERATIONS } from '../../src/protocol/operations.ts';
import { emulatorForTests } from '../support/emulator.ts';

const { emulator } = emulatorForTests({ maxBodyBytes: 64 * 1024 });

async function call(body: string, headers: Record<string, string> = {}) {
  const res = await fetch(emulator.url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body,
  });
  return { status: res.status, text: await res.text() };
}

function errorCode(xml: string): string | undefined {
  return /<Code>([^<]+)<\/Code>/.exec(xml)?.[1];
}

describe('the Query API wire', () => {
  it('answers a Describe with the awsQuery envelope and a request id', async () => {
    const { status, text } = await call('Action=DescribeCacheClusters&Version=2015-02-02');
    expect(status).toBe(200);
    expect(text).toMatch(
      /^<DescribeCacheClustersResponse xmlns="http:\/\/elasticache.amazonaws.com\/doc\/2015-02-02\/"><DescribeCacheClustersResult><CacheClusters><\/CacheClusters><\/DescribeCacheClustersResult><ResponseMetadata><RequestId>[0-9a-f-]{36}<\/RequestId><\/ResponseMetadata><\/DescribeCacheClustersResponse>$/,
    );
  });

  it('accepts GET with the action in the query string', async () => {
    const res = await fetch(`${emulator.url}/?Action=DescribeCacheEngineVersions&Version=2015-02-02&Engine=redis&DefaultOnly=true`);
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).toContain('<EngineVersion>7.1.0</EngineVersion>');
  });

  it('rejects an unknown action with InvalidAction 400', async () => {
    const { status, text } = await call('Action=MakeCoffee&Version=2015-02-02');
    expect(status).toBe(400);
    expect(errorCode(text)).toBe('InvalidAction');
    expect(text).toContain('Could not find operation MakeCoffee for version 2015-02-02');
    expect(text).toContain('<Type>Sender</Type>');
    expect(text).toMatch(/<RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>$/);
  });

  it('rejects a request without Action', async () => {
    const { status, text } = await call('Version=2015-02-02');
    expect(status).toBe(400);
    expect(errorCode(text)).toBe('MissingAction');
  });

  it('requires Version as AWS does: a missing or other version finds no operation', async () => {
    let { status, text } = await call('Action=DescribeCacheClusters&Version=2010-01-01');
    expect(status).toBe(400);
    expect(errorCode(text)).toBe('InvalidAction');
    expect(text).toContain('<Message>Could not find operation DescribeCacheClusters for version 2010-01-01</Message>');
    ({ status, text } = await call('Action=DescribeCacheClusters'));
    expect(status).toBe(400);
    expect(errorCode(text)).toBe('InvalidAction');
    expect(text).toContain('<Message>Could not find operation DescribeCacheClusters for version NO_VERSION_SPECIFIED</Message>');
  });

  it('routes every one of the 75 actions: implemented ones answer, the rest name themselves', async () => {
    expect(OPERATIONS.size).toBe(75);
    for (const name of OPERATIONS.keys()) {
      const { status, text } = await call(`Action=${name}&Version=2015-02-02`);
      expect(status, `${name}: ${text}`).toBeLessThan(500);
      if (errorCode(text) === 'InvalidAction') expect(text).toContain(`The action ${name} is not implemented`);
    }
  });

  it('reports a missing required parameter', async () => {
    const { status, text } = await call('Action=CreateCacheSubnetGroup&Version=2015-02-02&CacheSubnetGroupName=x');
    expect(status).toBe(400);
    expect(errorCode(text)).toBe('MissingParameter');
    expect(text).toContain('CacheSubnetGroupDescription');
  });

  it('reports a malformed integer and boolean', async () => {
    let r = await call('Action=DescribeCacheClusters&Version=2015-02-02&MaxRecords=abc');
    expect(r.status).toBe(400);
    expect(errorCode(r.text)).toBe('InvalidParameterValue');
    r = await call('Action=DescribeCacheClusters&Version=2015-02-02&ShowCacheNodeInfo=maybe');
    expect(errorCode(r.text)).toBe('InvalidParameterValue');
  });

  it('bounds MaxRecords as AWS does', async () => {
    const r = await call('Action=DescribeCacheClusters&Version=2015-02-02&MaxRecords=5');
    expect(errorCode(r.text)).toBe('InvalidParameterValue');
  });

  it('refuses a body over the limit with 413', async () => {
    const { status, text } = await call(`Action=DescribeCacheClusters&Version=2015-02-02&Marker=${'a'.repeat(70 * 1024)}`);
    expect(status).toBe(413);
    expect(errorCode(text)).toBe('RequestEntityTooLarge');
  });

  it('survives garbage bodies', async () => {
    for (const body of ['%%%', '&&&=', 'Action', '\u0000\u0001', 'Action=CreateCacheSubnetGroup&SubnetIds.member.x=1']) {
      const { status } = await call(body);
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(500);
    }
  });

  it('validates identifiers as AWS does', async () => {
    for (const bad of ['1abc', 'a--b', 'abc-', 'a_b', 'a'.repeat(41)]) {
      const { status, text } = await call(
        `Action=CreateReplicationGroup&Version=2015-02-02&ReplicationGroupId=${bad}&ReplicationGroupDescription=d&CacheNodeType=cache.t3.micro&Engine=redis`,
      );
      expect(status, bad).toBe(400);
      expect(errorCode(text), bad).toBe('InvalidParameterValue');
    }
  });

  it('answers 404 faults with the SDK model status', async () => {
    let r = await call('Action=DescribeReplicationGroups&Version=2015-02-02&ReplicationGroupId=nope');
    expect(r.status).toBe(404);
    expect(errorCode(r.text)).toBe('ReplicationGroupNotFoundFault');
    r = await call('Action=DescribeCacheClusters&Version=2015-02-02&CacheClusterId=nope');
    expect(r.status).toBe(404);
    expect(errorCode(r.text)).toBe('CacheClusterNotFound');
  });

  it('rejects an unknown node type and engine version', async () => {
    let r = await call(
      'Action=CreateCacheCluster&Version=2015-02-02&CacheClusterId=c1&Engine=redis&CacheNodeType=cache.huge.giant',
    );
    expect(errorCode(r.text)).toBe('InvalidParameterValue');
    r = await call(
      'Action=CreateCacheCluster&Version=2015-02-02&CacheClusterId=c1&Engine=redis&EngineVersion=1.0&CacheNodeType=cache.t3.micro',
    );
    expect(errorCode(r.text)).toBe('InvalidParameterValue');
  });

  it('keeps accounts and regions apart', async () => {
    const auth = (key: string, region: string) => ({
      authorization: `AWS4-HMAC-SHA256 Credential=${key}/20260101/${region}/elasticache/aws4_request, SignedHeaders=host, Signature=00`,
    });
    const create = 'Action=CreateCacheSubnetGroup&Version=2015-02-02&CacheSubnetGroupName=iso&CacheSubnetGroupDescription=d&SubnetIds.SubnetIdentifier.1=subnet-1';
    expect((await call(create, auth('111111111111', 'eu-west-1'))).status).toBe(200);
    const other = await call('Action=DescribeCacheSubnetGroups&Version=2015-02-02&CacheSubnetGroupName=iso', auth('222222222222', 'eu-west-1'));
    expect(errorCode(other.text)).toBe('CacheSubnetGroupNotFoundFault');
    const otherRegion = await call('Action=DescribeCacheSubnetGroups&Version=2015-02-02&CacheSubnetGroupName=iso', auth('111111111111', 'us-west-2'));
    expect(errorCode(otherRegion.text)).toBe('CacheSubnetGroupNotFoundFault');
    const same = await call('Action=DescribeCacheSubnetGroups&Version=2015-02-02&CacheSubnetGroupName=iso', auth('111111111111', 'eu-west-1'));
    expect(same.text).toContain('<ARN>arn:aws:elasticache:eu-west-1:111111111111:subnetgroup:iso</ARN>');
    expect(same.text).toContain('<SubnetAvailabilityZone><Name>eu-west-1');
  });

  it('serves the TLS CA over HTTP', async () => {
    const res = await fetch(`${emulator.url}/_elasticache-local/ca.pem`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('-----BEGIN CERTIFICATE-----');
  });
});
