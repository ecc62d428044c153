import { compareVersions } from '../catalog/engine-versions.ts';
import { invalidCombination, invalidValue } from '../protocol/errors.ts';
import type { Engine } from '../store/records.ts';

const NETWORK_TYPES = ['ipv4', 'ipv6', 'dual_stack'];
const IP_DISCOVERY = ['ipv4', 'ipv6'];
/** IPv6 and dual stack need Redis OSS 6.2, Valkey 7.2 or Memcached 1.6.6 and later. */
const IPV6_SINCE: Record<Engine, string> = { redis: '6.2', valkey: '7.2', memcached: '1.6.6' };

export function networkTypeOf(value: string | undefined, engine: Engine, engineVersion: string): string {
  if (value === undefined) return 'ipv4';
  if (!NETWORK_TYPES.includes(value)) throw invalidValue(`Invalid value for NetworkType: ${value}. Valid values are: ${NETWORK_TYPES.join(', ')}.`);
  if (value !== 'ipv4' && compareVersions(engineVersion, IPV6_SINCE[engine]) < 0) {
    throw invalidCombination(`NetworkType ${value} is supported for ${engine} ${IPV6_SINCE[engine]} and later.`);
  }
  return value;
}

/** IpDiscovery ipv6 needs a network that has IPv6 (ipv6 or dual_stack). */
export function ipDiscoveryOf(value: string | undefined, networkType: string): string {
  if (value === undefined) return networkType === 'ipv6' ? 'ipv6' : 'ipv4';
  if (!IP_DISCOVERY.includes(value)) throw invalidValue(`Invalid value for IpDiscovery: ${value}. Valid values are: ${IP_DISCOVERY.join(', ')}.`);
  if (value === 'ipv6' && networkType === 'ipv4') throw invalidCombination('IpDiscovery ipv6 requires NetworkType ipv6 or dual_stack.');
  if (value === 'ipv4' && networkType === 'ipv6') throw invalidCombination('IpDiscovery ipv4 is not valid with NetworkType ipv6.');
  return value;
}
