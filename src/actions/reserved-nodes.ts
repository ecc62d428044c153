import crypto from 'node:crypto';
import type * as ec from '@aws-sdk/client-elasticache';
import { offerings as allOfferings, type Offering } from '../catalog/offerings.ts';
import { fault, invalidValue, missingParameter } from '../protocol/errors.ts';
import type { ReservedNodeRecord, Scope } from '../store/records.ts';
import { intInRange } from '../validate/identifiers.ts';
import type { World } from '../world.ts';
import { paginate } from './paginate.ts';
import { define, type ActionTable } from './registry.ts';
import { applyCreateTags } from './tags.ts';

export const MAX_RESERVED_NODES = 300;
const YEAR = 31_536_000;

interface OfferingFilter {
  CacheNodeType?: string;
  Duration?: string;
  ProductDescription?: string;
  OfferingType?: string;
}

/**
 * Duration filters accept years ("1", "3") or seconds, as the API reference allows, and the ISO 8601
 * form ("P1Y") that Terraform's aws_elasticache_reserved_cache_node_offering sends as it is written.
 */
function durationSeconds(text: string): number {
  if (/^[13]$/.test(text)) return Number(text) * YEAR;
  if (/^P[13]Y$/.test(text)) return Number(text[1]) * YEAR;
  if (text === String(YEAR) || text === String(3 * YEAR)) return Number(text);
  throw invalidValue(`Invalid Duration ${text}: valid values are 1, 3, ${YEAR} and ${3 * YEAR}.`);
}

function matches(o: Offering, f: OfferingFilter): boolean {
  return (
    (f.CacheNodeType === undefined || o.nodeType === f.CacheNodeType) &&
    (f.Duration === undefined || o.durationSeconds === durationSeconds(f.Duration)) &&
    (f.ProductDescription === undefined || o.product === f.ProductDescription.toLowerCase()) &&
    (f.OfferingType === undefined || o.offeringType === f.OfferingType)
  );
}

function charges(o: Offering): ec.RecurringCharge[] {
  return o.hourlyCharge > 0 ? [{ RecurringChargeAmount: o.hourlyCharge, RecurringChargeFrequency: 'Hourly' }] : [];
}

function describeOffering(o: Offering): ec.ReservedCacheNodesOffering {
  return {
    ReservedCacheNodesOfferingId: o.id,
    CacheNodeType: o.nodeType,
    Duration: o.durationSeconds,
    FixedPrice: o.fixedPrice,
    UsagePrice: o.usagePrice,
    ProductDescription: o.product,
    OfferingType: o.offeringType,
    RecurringCharges: charges(o),
  };
}

function describeNode(world: World, scope: Scope, r: ReservedNodeRecord): ec.ReservedCacheNode {
  const o = allOfferings().find((x) => x.id === r.offeringId)!;
  const ended = r.startTime + o.durationSeconds * 1000 < world.now();
  return {
    ReservedCacheNodeId: r.id,
    ReservedCacheNodesOfferingId: o.id,
    CacheNodeType: o.nodeType,
    StartTime: new Date(r.startTime),
    Duration: o.durationSeconds,
    FixedPrice: o.fixedPrice,
    UsagePrice: o.usagePrice,
    CacheNodeCount: r.count,
    ProductDescription: o.product,
    OfferingType: o.offeringType,
    State: ended ? 'retired' : r.state,
    RecurringCharges: charges(o),
    ReservationARN: world.arn(scope, 'reserved-node', r.id),
  };
}

export const reservedNodeActions: ActionTable = {
  DescribeReservedCacheNodesOfferings: define<ec.DescribeReservedCacheNodesOfferingsMessage, ec.ReservedCacheNodesOfferingMessage>((input) => {
    const offerings = allOfferings().filter((o) => (input.ReservedCacheNodesOfferingId === undefined || o.id === input.ReservedCacheNodesOfferingId) && matches(o, input));
    if (input.ReservedCacheNodesOfferingId !== undefined && offerings.length === 0) {
      throw fault('ReservedCacheNodesOfferingNotFoundFault', `Reserved cache nodes offering ${input.ReservedCacheNodesOfferingId} not found.`);
    }
    const { page, marker } = paginate(offerings, input.MaxRecords, input.Marker);
    return { Marker: marker, ReservedCacheNodesOfferings: page.map(describeOffering) };
  }),

  PurchaseReservedCacheNodesOffering: define<ec.PurchaseReservedCacheNodesOfferingMessage, ec.PurchaseReservedCacheNodesOfferingResult>(
    (input, { world, scope }) => {
      if (input.ReservedCacheNodesOfferingId === undefined) throw missingParameter('ReservedCacheNodesOfferingId');
      const offering = allOfferings().find((o) => o.id === input.ReservedCacheNodesOfferingId);
      if (!offering) {
        throw fault('ReservedCacheNodesOfferingNotFoundFault', `Reserved cache nodes offering ${input.ReservedCacheNodesOfferingId} not found.`);
      }
      const count = intInRange(input.CacheNodeCount, 'CacheNodeCount', 1, MAX_RESERVED_NODES) ?? 1;
      const id = input.ReservedCacheNodeId ?? `ri-${new Date(world.now()).toISOString().slice(0, 10)}-${crypto.randomBytes(4).toString('hex')}`;
      const record: ReservedNodeRecord = { id, offeringId: offering.id, count, startTime: world.now(), state: 'payment-pending' };
      world.resources.transaction(() => {
        const held = world.resources.list(scope, 'reserved-node').reduce((n, r) => n + r.count, 0);
        if (held + count > MAX_RESERVED_NODES) {
          throw fault('ReservedCacheNodeQuotaExceededFault', `The request would exceed the quota of ${MAX_RESERVED_NODES} reserved cache nodes.`);
        }
        if (!world.resources.insert(scope, 'reserved-node', id, record)) {
          throw fault('ReservedCacheNodeAlreadyExistsFault', `Reserved cache node ${id} already exists.`);
        }
        applyCreateTags(world, world.arn(scope, 'reserved-node', id), input.Tags);
      });
      world.later(() => {
        const fresh = world.resources.get(scope, 'reserved-node', id);
        if (!fresh || fresh.state !== 'payment-pending') return;
        fresh.state = 'active';
        world.resources.put(scope, 'reserved-node', id, fresh);
      });
      return { ReservedCacheNode: describeNode(world, scope, record) };
    },
  ),

  DescribeReservedCacheNodes: define<ec.DescribeReservedCacheNodesMessage, ec.ReservedCacheNodeMessage>((input, { world, scope }) => {
    let nodes = world.resources.list(scope, 'reserved-node');
    if (input.ReservedCacheNodeId !== undefined) {
      nodes = nodes.filter((n) => n.id === input.ReservedCacheNodeId);
      if (nodes.length === 0) throw fault('ReservedCacheNodeNotFoundFault', `Reserved cache node ${input.ReservedCacheNodeId} not found.`);
    }
    nodes = nodes.filter((n) => {
      const o = allOfferings().find((x) => x.id === n.offeringId)!;
      return (input.ReservedCacheNodesOfferingId === undefined || o.id === input.ReservedCacheNodesOfferingId) && matches(o, input);
    });
    const { page, marker } = paginate(nodes, input.MaxRecords, input.Marker);
    return { Marker: marker, ReservedCacheNodes: page.map((n) => describeNode(world, scope, n)) };
  }),
};
