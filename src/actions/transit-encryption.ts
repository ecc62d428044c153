import type * as ec from '@aws-sdk/client-elasticache';
import { compareVersions } from '../catalog/engine-versions.ts';
import { invalidCombination, invalidValue } from '../protocol/errors.ts';
import type { ClusterRecord, ReplicationGroupRecord, Scope, TransitEncryptionMode } from '../store/records.ts';
import type { World } from '../world.ts';
import { finishClusterAuthToken } from './auth-tokens.ts';

/**
 * TransitEncryptionMode as AWS allows it. `preferred` serves TLS and plaintext on the same port (the
 * no-downtime path); `required` serves TLS only. An existing group moves off -> preferred -> required and
 * back the same way, one step per modify, on Redis 7.0 and later (and Valkey).
 */

const MODES = ['preferred', 'required'];
/** Changing transit encryption of an existing group needs this engine version (Valkey always qualifies). */
const MODIFY_TRANSIT_FROM_VERSION = '7.0';

export function transitModeOf(value: string | undefined): TransitEncryptionMode | undefined {
  if (value === undefined) return undefined;
  if (!MODES.includes(value)) throw invalidValue(`Invalid value for TransitEncryptionMode: ${value}. Valid values are: preferred, required.`);
  return value as TransitEncryptionMode;
}

/** What DescribeReplicationGroups and DescribeCacheClusters show as TransitEncryptionMode. */
export function describedMode(r: { transitEncryption: boolean; transitEncryptionMode?: TransitEncryptionMode }): ec.TransitEncryptionMode | undefined {
  return r.transitEncryption ? (r.transitEncryptionMode ?? 'required') : undefined;
}

type State = 'off' | TransitEncryptionMode;

function stateOf(r: { transitEncryption: boolean; transitEncryptionMode?: TransitEncryptionMode }): State {
  return r.transitEncryption ? (r.transitEncryptionMode ?? 'required') : 'off';
}

/** Records a group's transit change (in flight until finishSecurityChanges); answers whether there was one. */
export function changeGroupTransit(group: ReplicationGroupRecord, members: ClusterRecord[], input: ec.ModifyReplicationGroupMessage): boolean {
  if (input.TransitEncryptionEnabled === undefined && input.TransitEncryptionMode === undefined) return false;
  const mode = transitModeOf(input.TransitEncryptionMode);
  const from = stateOf(group);
  const enabled = input.TransitEncryptionEnabled ?? from !== 'off';
  if (!enabled && mode !== undefined) throw invalidCombination('TransitEncryptionMode cannot be specified when TransitEncryptionEnabled is false.');
  const to: State = enabled ? (mode ?? (from === 'off' ? 'required' : from)) : 'off';
  if (to === from) return false;
  if (group.engine === 'redis' && compareVersions(group.engineVersion, MODIFY_TRANSIT_FROM_VERSION) < 0) {
    throw invalidCombination(`Modifying in-transit encryption is supported for Redis ${MODIFY_TRANSIT_FROM_VERSION} and later; this group runs ${group.engineVersion}.`);
  }
  if (from === 'off' && to === 'required') {
    throw invalidCombination(
      'To enable in-transit encryption on an existing replication group, set TransitEncryptionEnabled to true and TransitEncryptionMode to preferred; required can follow once clients use TLS.',
    );
  }
  if (from === 'required' && to === 'off') {
    throw invalidCombination('To disable in-transit encryption, first set TransitEncryptionMode to preferred.');
  }
  if (to === 'off') {
    const tokens = members.some((m) => m.authToken !== undefined) || (input.AuthToken !== undefined && input.AuthTokenUpdateStrategy !== 'DELETE');
    if (tokens) throw invalidCombination('In-transit encryption cannot be disabled while an AUTH token is enabled.');
    if (group.userGroupIds.length > 0 || input.UserGroupIdsToAdd?.length) {
      throw invalidCombination('In-transit encryption cannot be disabled while user groups are associated.');
    }
  }
  group.pending.transit = { enabled: to !== 'off', mode: to === 'off' ? undefined : to };
  return true;
}

/** PendingModifiedValues of a group while its token or transit change is applied. */
export function inFlightGroupValues(g: ReplicationGroupRecord): Partial<ec.ReplicationGroupPendingModifiedValues> {
  const out: Partial<ec.ReplicationGroupPendingModifiedValues> = {};
  if (g.pending.authTokenStatus) out.AuthTokenStatus = g.pending.authTokenStatus;
  if (g.pending.transit) {
    out.TransitEncryptionEnabled = g.pending.transit.enabled;
    if (g.pending.transit.mode) out.TransitEncryptionMode = g.pending.transit.mode;
  }
  return out;
}

/**
 * The end of a group modify that changed tokens or transit encryption: records take the new values and the
 * running nodes follow without a restart (new connections get the new rules; open ones and data stay).
 */
export function finishSecurityChanges(world: World, scope: Scope, groupId: string): void {
  const group = world.resources.get(scope, 'replication-group', groupId);
  if (!group) return;
  const transit = group.pending.transit;
  if (transit) {
    group.transitEncryption = transit.enabled;
    group.transitEncryptionMode = transit.mode;
  }
  world.resources.transaction(() => {
    for (const id of group.memberClusters) {
      const m = world.resources.get(scope, 'cluster', id);
      if (!m) continue;
      if (transit) {
        m.transitEncryption = transit.enabled;
        m.transitEncryptionMode = transit.mode;
        world.runtime.applyTransitEncryption(scope, m);
      }
      finishClusterAuthToken(world, scope, m);
      world.resources.put(scope, 'cluster', id, m);
    }
    group.pending.transit = undefined;
    group.pending.authTokenStatus = undefined;
    world.resources.put(scope, 'replication-group', group.id, group);
  });
}
