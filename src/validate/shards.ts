import type * as ec from '@aws-sdk/client-elasticache';
import { invalidCombination, invalidValue } from '../protocol/errors.ts';
import { intInRange } from './identifiers.ts';

export const HASH_SLOTS = 16384;
/** AWS allows up to 500 shards; every node here is a live server, so the emulator caps far lower. */
export const MAX_SHARDS = 90;
export const MAX_REPLICAS_PER_SHARD = 5;

export interface ShardPlan {
  id: string;
  slots: [number, number][];
  replicas: number;
  primaryAz?: string;
  replicaAzs?: string[];
}

/** Whether a CreateReplicationGroup asks for cluster mode enabled. */
export function wantsClusterMode(input: ec.CreateReplicationGroupMessage, parameterGroupClusterEnabled: boolean): boolean {
  if (input.ClusterMode === 'disabled') {
    if ((input.NumNodeGroups ?? 1) > 1 || input.NodeGroupConfiguration?.length) {
      throw invalidCombination('NumNodeGroups greater than 1 or NodeGroupConfiguration require ClusterMode enabled.');
    }
    return false;
  }
  return input.ClusterMode === 'enabled' || (input.NumNodeGroups ?? 1) > 1 || (input.NodeGroupConfiguration?.length ?? 0) > 0 || parameterGroupClusterEnabled;
}

/** "0-5460" or "0-100,200-300" into inclusive ranges. */
export function parseSlots(text: string): [number, number][] {
  return text.split(',').map((part) => {
    const m = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(part) ?? /^\s*(\d+)\s*$/.exec(part);
    const from = Number(m?.[1]);
    const to = Number(m?.[2] ?? m?.[1]);
    if (!m || from > to || to >= HASH_SLOTS) throw invalidValue(`Invalid Slots value "${text}": expected ranges like 0-5460 within 0-${HASH_SLOTS - 1}.`);
    return [from, to];
  });
}

export function formatSlots(slots: [number, number][]): string {
  return slots.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(',');
}

function evenSlots(index: number, shards: number): [number, number][] {
  return [[Math.floor((index * HASH_SLOTS) / shards), Math.floor(((index + 1) * HASH_SLOTS) / shards) - 1]];
}

/** The shards of a new cluster-mode group: explicit NodeGroupConfiguration, or slots split evenly. */
export function planShards(input: ec.CreateReplicationGroupMessage): ShardPlan[] {
  const config = input.NodeGroupConfiguration ?? [];
  const count = intInRange(input.NumNodeGroups, 'NumNodeGroups', 1, MAX_SHARDS) ?? Math.max(1, config.length);
  if (config.length > 0 && config.length !== count) {
    throw invalidCombination('The number of NodeGroupConfiguration entries must equal NumNodeGroups.');
  }
  const defaultReplicas = intInRange(input.ReplicasPerNodeGroup, 'ReplicasPerNodeGroup', 0, MAX_REPLICAS_PER_SHARD) ?? 1;
  const plans: ShardPlan[] = Array.from({ length: count }, (_, i) => {
    const c = config[i];
    const id = c?.NodeGroupId ?? String(i + 1).padStart(4, '0');
    if (!/^\d{1,4}$/.test(id)) throw invalidValue(`Invalid NodeGroupId ${id}: expected 1 to 4 digits.`);
    return {
      id: id.padStart(4, '0'),
      slots: c?.Slots ? parseSlots(c.Slots) : evenSlots(i, count),
      replicas: intInRange(c?.ReplicaCount, 'ReplicaCount', 0, MAX_REPLICAS_PER_SHARD) ?? defaultReplicas,
      primaryAz: c?.PrimaryAvailabilityZone,
      replicaAzs: c?.ReplicaAvailabilityZones,
    };
  });
  if (new Set(plans.map((p) => p.id)).size !== plans.length) throw invalidValue('NodeGroupId values must be unique.');
  const owner = new Int32Array(HASH_SLOTS).fill(-1);
  plans.forEach((p, i) => {
    for (const [from, to] of p.slots) {
      for (let s = from; s <= to; s++) {
        if (owner[s] !== -1) throw invalidValue(`Slot ${s} is assigned to more than one node group.`);
        owner[s] = i;
      }
    }
  });
  if (owner.includes(-1)) throw invalidValue(`The node groups' Slots must cover all hash slots 0-${HASH_SLOTS - 1}.`);
  return plans;
}
