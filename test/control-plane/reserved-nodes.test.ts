import {
  DescribeReservedCacheNodesCommand,
  DescribeReservedCacheNodesOfferingsCommand,
  ListTagsForResourceCommand,
  PurchaseReservedCacheNodesOfferingCommand,
  paginateDescribeReservedCacheNodesOfferings,
} from '@aws-sdk/client-elasticache';
import { describe, expect, it } from 'vitest';
import { sdkClient, emulatorForTests } from '../support/emulator.ts';

const { emulator } = emulatorForTests({ transitionDelayMs: 50 });

describe('reserved cache nodes', () => {
  it('lists offerings with filters, purchases one, and describes the reservation', async () => {
    const client = sdkClient(emulator);
    const offerings = await client.send(
      new DescribeReservedCacheNodesOfferingsCommand({ CacheNodeType: 'cache.r6g.large', Duration: '1', ProductDescription: 'redis' }),
    );
    expect(offerings.ReservedCacheNodesOfferings!.map((o) => o.OfferingType).sort()).toEqual(['All Upfront', 'No Upfront', 'Partial Upfront']);
    const allUpfront = offerings.ReservedCacheNodesOfferings!.find((o) => o.OfferingType === 'All Upfront')!;
    expect(allUpfront).toMatchObject({ Duration: 31536000, RecurringCharges: [] });
    expect(allUpfront.FixedPrice).toBeGreaterThan(0);
    // Terraform's offering data source sends the duration as written in its configuration.
    const iso = await client.send(
      new DescribeReservedCacheNodesOfferingsCommand({ CacheNodeType: 'cache.r6g.large', Duration: 'P1Y', ProductDescription: 'redis', OfferingType: 'No Upfront' }),
    );
    expect(iso.ReservedCacheNodesOfferings!.map((o) => o.Duration)).toEqual([31536000]);

    let pages = 0;
    for await (const _ of paginateDescribeReservedCacheNodesOfferings({ client, pageSize: 100 }, { ProductDescription: 'memcached' })) pages++;
    expect(pages).toBeGreaterThan(1);

    const purchased = await client.send(
      new PurchaseReservedCacheNodesOfferingCommand({
        ReservedCacheNodesOfferingId: allUpfront.ReservedCacheNodesOfferingId,
        ReservedCacheNodeId: 'my-reservation',
        CacheNodeCount: 2,
        Tags: [{ Key: 'cost-center', Value: '42' }],
      }),
    );
    expect(purchased.ReservedCacheNode).toMatchObject({ State: 'payment-pending', CacheNodeCount: 2, CacheNodeType: 'cache.r6g.large' });
    await new Promise((r) => setTimeout(r, 150));
    const nodes = await client.send(new DescribeReservedCacheNodesCommand({ ReservedCacheNodeId: 'my-reservation' }));
    expect(nodes.ReservedCacheNodes![0]!.State).toBe('active');
    const tags = await client.send(new ListTagsForResourceCommand({ ResourceName: nodes.ReservedCacheNodes![0]!.ReservationARN }));
    expect(tags.TagList).toEqual([{ Key: 'cost-center', Value: '42' }]);

    await expect(
      client.send(new PurchaseReservedCacheNodesOfferingCommand({ ReservedCacheNodesOfferingId: allUpfront.ReservedCacheNodesOfferingId, ReservedCacheNodeId: 'my-reservation' })),
    ).rejects.toMatchObject({ name: 'ReservedCacheNodeAlreadyExistsFault' });
    await expect(
      client.send(new PurchaseReservedCacheNodesOfferingCommand({ ReservedCacheNodesOfferingId: 'nope' })),
    ).rejects.toMatchObject({ name: 'ReservedCacheNodesOfferingNotFoundFault', $metadata: { httpStatusCode: 404 } });
    await expect(client.send(new DescribeReservedCacheNodesCommand({ ReservedCacheNodeId: 'other' }))).rejects.toMatchObject({
      name: 'ReservedCacheNodeNotFoundFault',
    });
    client.destroy();
  });
});
