import { Cluster } from 'ioredis';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/index.ts';
import { startEmulator } from '../support/emulator.ts';
import { freePort } from '../support/net.ts';
import { haveTerraform, output, providerBlock, terraform, workspace } from '../support/terraform.ts';

let emulator: Emulator;
let dir: string | undefined;

function configuration(url: string, port: number, shards: number): string {
  return `${providerBlock(url)}
resource "aws_elasticache_replication_group" "sharded" {
  replication_group_id       = "tf-sharded"
  description                = "cluster mode enabled"
  node_type                  = "cache.t3.micro"
  parameter_group_name       = "default.redis7.cluster.on"
  num_node_groups            = ${shards}
  replicas_per_node_group    = 1
  automatic_failover_enabled = true
  apply_immediately          = true
  port                       = ${port}
}

output "configuration_endpoint" { value = aws_elasticache_replication_group.sharded.configuration_endpoint_address }
`;
}

beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!haveTerraform)('Terraform and cluster mode enabled', () => {
  it('applies 2 shards x 1 replica, plans clean, scales to 3 shards on num_node_groups, keeps every key, destroys', async () => {
    const port = await freePort();
    dir = workspace('ecl-tf-cluster-', configuration(emulator.url, port, 2));
    let r = await terraform(dir, 'init', '-no-color');
    expect(r.code, output(r)).toBe(0);
    r = await terraform(dir, 'apply', '-auto-approve', '-no-color');
    expect(r.code, output(r)).toBe(0);
    r = await terraform(dir, 'plan', '-detailed-exitcode', '-no-color');
    expect(r.code, output(r)).toBe(0);

    const address = (JSON.parse((await terraform(dir, 'output', '-json')).stdout) as Record<string, { value: string }>).configuration_endpoint!.value;
    const cluster = new Cluster([{ host: address, port }]);
    for (let i = 0; i < 1000; i++) await cluster.set(`tf:${i}`, String(i));
    expect(cluster.nodes('master')).toHaveLength(2);

    fs.writeFileSync(`${dir}/main.tf`, configuration(emulator.url, port, 3));
    r = await terraform(dir, 'apply', '-auto-approve', '-no-color');
    expect(r.code, output(r)).toBe(0);
    const after = new Cluster([{ host: address, port }]);
    for (let i = 0; i < 1000; i++) expect(await after.get(`tf:${i}`)).toBe(String(i));
    await after.set('probe', '1');
    expect(after.nodes('master')).toHaveLength(3);
    r = await terraform(dir, 'plan', '-detailed-exitcode', '-no-color');
    expect(r.code, output(r)).toBe(0);
    cluster.disconnect();
    after.disconnect();

    r = await terraform(dir, 'destroy', '-auto-approve', '-no-color');
    expect(r.code, output(r)).toBe(0);
  }, 900_000);
});
