import crypto from 'node:crypto';
import { NODE_TYPES, nodeMemoryBytes } from './node-types.ts';

/**
 * Reserved node offerings for every node type, product and term. Prices are illustrative, derived from
 * node memory, so scripts that read them get plausible, stable numbers; they are not AWS's price list.
 */
export interface Offering {
  id: string;
  nodeType: string;
  durationSeconds: number;
  product: 'redis' | 'memcached' | 'valkey';
  offeringType: 'No Upfront' | 'Partial Upfront' | 'All Upfront';
  fixedPrice: number;
  usagePrice: number;
  hourlyCharge: number;
}

const YEAR = 31_536_000;
const HOURS_PER_YEAR = 8760;
const PRODUCTS = ['redis', 'memcached', 'valkey'] as const;
const TYPES = ['No Upfront', 'Partial Upfront', 'All Upfront'] as const;
const DISCOUNT = { 1: 0.69, 3: 0.5 } as const;

function onDemandHourly(nodeType: string): number {
  const gib = nodeMemoryBytes(nodeType) / 1024 ** 3;
  return Math.max(0.017, 0.0158 * gib);
}

function offeringId(parts: string[]): string {
  const h = crypto.createHash('sha256').update(parts.join('/')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const round = (n: number) => Math.round(n * 1000) / 1000;

function build(): Offering[] {
  const out: Offering[] = [];
  for (const nodeType of NODE_TYPES) {
    if (/cache\.(t1|m1|m2|c1|m3|r3)\./.test(nodeType)) continue;
    for (const product of PRODUCTS) {
      for (const years of [1, 3] as const) {
        const total = onDemandHourly(nodeType) * DISCOUNT[years] * HOURS_PER_YEAR * years;
        for (const offeringType of TYPES) {
          const upfront = offeringType === 'All Upfront' ? 1 : offeringType === 'Partial Upfront' ? 0.5 : 0;
          const hourly = (total * (1 - upfront)) / (HOURS_PER_YEAR * years);
          out.push({
            id: offeringId([nodeType, product, String(years), offeringType]),
            nodeType,
            durationSeconds: years * YEAR,
            product,
            offeringType,
            fixedPrice: round(total * upfront),
            usagePrice: 0,
            hourlyCharge: round(hourly),
          });
        }
      }
    }
  }
  return out;
}

let built: readonly Offering[] | undefined;

/** Every reserved-node offering, computed on first use (hashing each id costs more than a start should). */
export function offerings(): readonly Offering[] {
  return (built ??= build());
}
