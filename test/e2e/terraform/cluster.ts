import { Cluster } from 'ioredis';
import { expect } from 'vitest';
import { providerBlock } from '../../support/terraform.ts';
import { configurationPort, type Scenario } from './scenario.ts';

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

export const cluster: Scenario = {
  title: 'cluster mode enabled: applies 2 shards x 1 replica, plans clean, scales to 3 shards on num_node_groups, keeps every key, destroys',
  async run(emulator, newWorkspace) {
    const port = await configurationPort();
    const ws = newWorkspace(configuration(emulator.url, port, 2));
    await ws.expectCode(0, 'init');
    await ws.expectCode(0, 'apply', '-auto-approve');
    await ws.expectCode(0, 'plan', '-detailed-exitcode');

    const address = (await ws.outputs()).configuration_endpoint!.value as string;
    const before = new Cluster([{ host: address, port }]);
    let after: Cluster | undefined;
    try {
      for (let i = 0; i < 1000; i++) await before.set(`tf:${i}`, String(i));
      expect(before.nodes('master')).toHaveLength(2);

      ws.write(configuration(emulator.url, port, 3));
      await ws.expectCode(0, 'apply', '-auto-approve');
      after = new Cluster([{ host: address, port }]);
      for (let i = 0; i < 1000; i++) expect(await after.get(`tf:${i}`)).toBe(String(i));
      await after.set('probe', '1');
      expect(after.nodes('master')).toHaveLength(3);
      await ws.expectCode(0, 'plan', '-detailed-exitcode');
    } finally {
      before.disconnect();
      after?.disconnect();
    }

    await ws.expectCode(0, 'destroy', '-auto-approve');
  },
};
