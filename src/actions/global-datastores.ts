import type * as ec from '@aws-sdk/client-elasticache';
import { checkSecondaryMatches, giveOwnParameterGroup } from './global-parameter-groups.ts';
import { changeGlobalMembers, GLOBAL_NODE_FAMILY } from './global-upgrades.ts';
import { changeGlobalNodeGroups, NOT_CLUSTER_MODE } from './global-node-groups.ts';
import { stableHex } from '../lifecycle/network.ts';
import { fault, invalidCombination, invalidValue, missingParameter } from '../protocol/errors.ts';
import { GLOBAL_REGION, type GlobalGroupRecord, type ReplicationGroupRecord, type Scope, type ShardRecord } from '../store/records.ts';
import { formatSlots } from '../validate/shards.ts';
import { identifier } from '../validate/identifiers.ts';
import type { World } from '../world.ts';
import { paginate } from './paginate.ts';
import { define, type ActionTable } from './registry.ts';
import { canTransition, requireState, transition } from '../lifecycle/states.ts';
import { runStep } from '../lifecycle/steps.ts';


export const globalScope = (scope: Scope): Scope => ({ account: scope.account, region: GLOBAL_REGION });

/** AWS puts a fixed, account-specific prefix in front of the suffix the user chose. */
function globalId(scope: Scope, suffix: string): string {
  const letters = [...stableHex(`global/${scope.account}`, 10)].map((c) => String.fromCharCode(97 + (parseInt(c, 16) % 26))).join('');
  return `${letters.slice(0, 5)}-${suffix}`;
}

export function requireGlobal(world: World, scope: Scope, id: string | undefined): GlobalGroupRecord {
  if (id === undefined) throw missingParameter('GlobalReplicationGroupId');
  const global = world.resources.get(globalScope(scope), 'global-group', id.toLowerCase());
  if (!global) throw fault('GlobalReplicationGroupNotFoundFault', `Global replication group ${id} not found.`);
  return global;
}

/** The nodes of the global datastore's primary member that take its writes, one a shard. */
function primaryNodeKeys(world: World, scope: Scope, global: GlobalGroupRecord): string[] {
  const old = global.members.find((m) => m.role === 'primary');
  const group = old && memberGroup(world, scope, old.region, old.groupId);
  if (!old || !group) return [];
  const ids = group.shards?.map((sh) => sh.primaryClusterId) ?? [group.primaryClusterId];
  return ids.map((id) => world.runtime.nodeKey({ account: scope.account, region: old.region }, id, '0001'));
}

/**
 * Until no write in slices (DEL of a million keys) is half done on the primary member's nodes: the
 * member that takes over would have none of it while the old one, now following it, went on with it.
 * Each node's writes are held from the turn its own wait ends (fenceWrites) until the returned release,
 * so none begins there while another node is waited for; the failover's checks and switch run before
 * the release, in one turn, and the held writes then meet the new roles.
 */
async function fencePrimaryWrites(world: World, scope: Scope, id: string | undefined): Promise<() => void> {
  const fenced = new Map<string, () => void>();
  const release = () => {
    for (const end of fenced.values()) end();
  };
  try {
    for (;;) {
      const global = id === undefined ? undefined : world.resources.get(globalScope(scope), 'global-group', id.toLowerCase());
      const key = global && primaryNodeKeys(world, scope, global).find((k) => !fenced.has(k));
      if (key === undefined) return release;
      fenced.set(key, await world.runtime.nodes.fenceWrites(key));
    }
  } catch (err) {
    release();
    throw err;
  }
}

/** FailoverGlobalReplicationGroup's checks and switch, in one turn. */
function failoverGlobal(world: World, scope: Scope, input: ec.FailoverGlobalReplicationGroupMessage): ec.FailoverGlobalReplicationGroupResult {
  const global = requireGlobal(world, scope, input.GlobalReplicationGroupId);
  if (global.status !== 'available') {
    throw fault('InvalidGlobalReplicationGroupStateFault', `Global replication group ${global.id} is not available (current state: ${global.status}).`);
  }
  if (input.PrimaryRegion === undefined) throw missingParameter('PrimaryRegion');
  if (input.PrimaryReplicationGroupId === undefined) throw missingParameter('PrimaryReplicationGroupId');
  const target = global.members.find((m) => m.region === input.PrimaryRegion && m.groupId === input.PrimaryReplicationGroupId!.toLowerCase());
  if (!target) throw invalidValue(`Replication group ${input.PrimaryReplicationGroupId} in ${input.PrimaryRegion} is not a member of ${global.id}.`);
  if (target.role === 'primary') throw invalidValue(`Replication group ${target.groupId} is already the primary.`);
  for (const key of primaryNodeKeys(world, scope, global)) world.runtime.nodes.flushReplication(key);
  for (const m of global.members) m.role = m === target ? 'primary' : 'secondary';
  save(world, scope, global);
  // The new primary first (it stops following), then every other member follows it.
  setMembership(world, scope, target.region, target.groupId, { id: global.id, role: 'primary' });
  for (const m of global.members) if (m !== target) setMembership(world, scope, m.region, m.groupId, { id: global.id, role: 'secondary' });
  return { GlobalReplicationGroup: describe(world, scope, global) };
}

function memberGroup(world: World, scope: Scope, region: string, groupId: string): ReplicationGroupRecord | undefined {
  return world.resources.get({ account: scope.account, region }, 'replication-group', groupId);
}

/** The replication group in the datastore's primary region. */
export function globalPrimaryGroup(world: World, scope: Scope, global: GlobalGroupRecord): ReplicationGroupRecord | undefined {
  const primary = global.members.find((m) => m.role === 'primary');
  return primary ? memberGroup(world, scope, primary.region, primary.groupId) : undefined;
}

/** AWS names a datastore's shards after the datastore: "<global id>-0001". */
export const globalNodeGroupId = (globalIdValue: string, shardId: string) => `${globalIdValue}-${shardId}`;

/**
 * The shards a secondary is created with: the primary group's, slot for slot, each with the replica count the
 * request asks for. AWS refuses another shard count.
 */
export function secondaryShardLayout(input: ec.CreateReplicationGroupMessage, shards: ShardRecord[]): ec.CreateReplicationGroupMessage {
  if (input.NumNodeGroups !== undefined && input.NumNodeGroups !== shards.length) {
    throw invalidValue(`NumNodeGroups must be ${shards.length}, the number of node groups in the global datastore.`);
  }
  const replicas = input.ReplicasPerNodeGroup ?? 1;
  return {
    ...input,
    NumNodeGroups: shards.length,
    NodeGroupConfiguration: shards.map((s, i) => ({
      ...input.NodeGroupConfiguration?.[i],
      NodeGroupId: s.id,
      Slots: formatSlots(s.slots),
      ReplicaCount: input.NodeGroupConfiguration?.[i]?.ReplicaCount ?? replicas,
    })),
  };
}

function describe(world: World, scope: Scope, g: GlobalGroupRecord, showMembers = true): ec.GlobalReplicationGroup {
  const shards = globalPrimaryGroup(world, scope, g)?.shards;
  return {
    GlobalReplicationGroupId: g.id,
    GlobalReplicationGroupDescription: g.description,
    Status: g.status,
    CacheNodeType: g.nodeType,
    Engine: g.engine,
    EngineVersion: g.engineVersion,
    Members: showMembers
      ? g.members.map((m) => {
          const rg = memberGroup(world, scope, m.region, m.groupId);
          return {
            ReplicationGroupId: m.groupId,
            ReplicationGroupRegion: m.region,
            Role: m.role === 'primary' ? 'PRIMARY' : 'SECONDARY',
            AutomaticFailover: rg?.automaticFailover ? 'enabled' : 'disabled',
            Status: 'associated',
          };
        })
      : undefined,
    ClusterEnabled: shards !== undefined,
    GlobalNodeGroups: shards?.map((s) => ({ GlobalNodeGroupId: globalNodeGroupId(g.id, s.id), Slots: formatSlots(s.slots) })),
    AuthTokenEnabled: g.authTokenEnabled,
    TransitEncryptionEnabled: g.transitEncryption,
    AtRestEncryptionEnabled: g.atRestEncryption,
    ARN: `arn:aws:elasticache::${scope.account}:globalreplicationgroup:${g.id}`,
  };
}

function save(world: World, scope: Scope, g: GlobalGroupRecord): void {
  world.resources.put(globalScope(scope), 'global-group', g.id, g);
}

function setMembership(world: World, scope: Scope, region: string, groupId: string, global: ReplicationGroupRecord['global']): void {
  const s = { account: scope.account, region };
  const rg = world.resources.get(s, 'replication-group', groupId);
  if (!rg) return;
  rg.global = global;
  world.resources.put(s, 'replication-group', groupId, rg);
  world.runtime.syncGroupRoles(s, groupId);
}

/** CreateReplicationGroup with GlobalReplicationGroupId: the new group joins as a read-only secondary. */
export function joinAsSecondary(world: World, scope: Scope, globalIdValue: string, group: ReplicationGroupRecord): void {
  const global = requireGlobal(world, scope, globalIdValue);
  requireState('global-group', global, 'members');
  if (global.members.some((m) => m.region === scope.region)) {
    throw invalidValue(`Global replication group ${global.id} already has a member in region ${scope.region}.`);
  }
  checkSecondaryMatches(global, group);
  group.global = { id: global.id, role: 'secondary' };
  global.members.push({ groupId: group.id, region: scope.region, role: 'secondary' });
  transition(world, scope, 'global-group', global, 'available');
  save(world, scope, global);
}

/** A group leaving (deleted) takes its membership with it. */
export function leaveGlobal(world: World, scope: Scope, group: ReplicationGroupRecord): void {
  if (group.global?.role === 'primary') {
    throw fault('InvalidReplicationGroupStateFault', `Replication group ${group.id} is the primary of global replication group ${group.global.id}; delete the global datastore first.`);
  }
  if (!group.global) return;
  const global = world.resources.get(globalScope(scope), 'global-group', group.global.id);
  if (!global) return;
  global.members = global.members.filter((m) => !(m.region === scope.region && m.groupId === group.id));
  settleMembership(world, scope, global);
  save(world, scope, global);
}

/** With no secondary left a datastore is primary-only (unless it is being created or deleted meanwhile). */
function settleMembership(world: World, scope: Scope, global: GlobalGroupRecord): void {
  if (global.members.some((m) => m.role === 'secondary') || global.status === 'primary-only') return;
  if (canTransition('global-group', global, 'primary-only')) transition(world, scope, 'global-group', global, 'primary-only');
}

export const globalDatastoreActions: ActionTable = {
  CreateGlobalReplicationGroup: define<ec.CreateGlobalReplicationGroupMessage, ec.CreateGlobalReplicationGroupResult>((input, { world, scope }) => {
    if (input.GlobalReplicationGroupIdSuffix === undefined) throw missingParameter('GlobalReplicationGroupIdSuffix');
    const suffix = identifier(input.GlobalReplicationGroupIdSuffix, 'GlobalReplicationGroupIdSuffix', 34);
    if (input.PrimaryReplicationGroupId === undefined) throw missingParameter('PrimaryReplicationGroupId');
    const primary = world.resources.get(scope, 'replication-group', input.PrimaryReplicationGroupId.toLowerCase());
    if (!primary) throw fault('ReplicationGroupNotFoundFault', `ReplicationGroup not found: ${input.PrimaryReplicationGroupId}`);
    requireState('replication-group', primary, 'members');
    if (primary.global) throw invalidValue(`Replication group ${primary.id} already belongs to global replication group ${primary.global.id}.`);
    if (!GLOBAL_NODE_FAMILY.test(primary.nodeType)) {
      throw invalidValue(`Global datastores are not supported on node type ${primary.nodeType}; use an M5, R5, M6g, R6g or newer node type.`);
    }
    const id = globalId(scope, suffix);
    const record: GlobalGroupRecord = {
      id,
      description: input.GlobalReplicationGroupDescription ?? '',
      status: 'creating',
      engine: primary.engine,
      engineVersion: primary.engineVersion,
      nodeType: primary.nodeType,
      authTokenEnabled: primary.authTokenEnabled,
      transitEncryption: primary.transitEncryption,
      atRestEncryption: primary.atRestEncryption,
      members: [{ groupId: primary.id, region: scope.region, role: 'primary' }],
      createdAt: world.now(),
    };
    if (!world.resources.insert(globalScope(scope), 'global-group', id, record)) {
      throw fault('GlobalReplicationGroupAlreadyExistsFault', `Global replication group ${id} already exists.`);
    }
    primary.global = { id, role: 'primary' };
    world.resources.put(scope, 'replication-group', primary.id, primary);
    giveOwnParameterGroup(world, scope, primary, id);
    runStep(world, globalScope(scope), 'global-group', id, () => {
      const fresh = world.resources.get(globalScope(scope), 'global-group', id);
      if (!fresh || fresh.status !== 'creating') return;
      transition(world, scope, 'global-group', fresh, fresh.members.length > 1 ? 'available' : 'primary-only');
      save(world, scope, fresh);
    });
    return { GlobalReplicationGroup: describe(world, scope, record) };
  }),

  DescribeGlobalReplicationGroups: define<ec.DescribeGlobalReplicationGroupsMessage, ec.DescribeGlobalReplicationGroupsResult>((input, { world, scope }) => {
    const groups = input.GlobalReplicationGroupId !== undefined
      ? [requireGlobal(world, scope, input.GlobalReplicationGroupId)]
      : world.resources.list(globalScope(scope), 'global-group');
    const { page, marker } = paginate(groups, input.MaxRecords, input.Marker);
    return { Marker: marker, GlobalReplicationGroups: page.map((g) => describe(world, scope, g, input.ShowMemberInfo ?? false)) };
  }),

  ModifyGlobalReplicationGroup: define<ec.ModifyGlobalReplicationGroupMessage, ec.ModifyGlobalReplicationGroupResult>((input, { world, scope }) => {
    const global = requireGlobal(world, scope, input.GlobalReplicationGroupId);
    if (input.ApplyImmediately !== true) throw invalidValue('ModifyGlobalReplicationGroup requires ApplyImmediately=true.');
    changeGlobalMembers(world, scope, global, input);
    if (input.GlobalReplicationGroupDescription !== undefined) global.description = input.GlobalReplicationGroupDescription;
    if (input.AutomaticFailoverEnabled !== undefined) {
      for (const m of global.members) {
        const s = { account: scope.account, region: m.region };
        const rg = world.resources.get(s, 'replication-group', m.groupId);
        if (!rg) continue;
        if (input.AutomaticFailoverEnabled && rg.memberClusters.length < 2) {
          throw invalidCombination(`Replication group ${rg.id} has no replica, so automatic failover cannot be enabled.`);
        }
        rg.automaticFailover = input.AutomaticFailoverEnabled;
        world.resources.put(s, 'replication-group', rg.id, rg);
      }
    }
    save(world, scope, global);
    return { GlobalReplicationGroup: describe(world, scope, global) };
  }),

  FailoverGlobalReplicationGroup: define<ec.FailoverGlobalReplicationGroupMessage, ec.FailoverGlobalReplicationGroupResult>(async (input, { world, scope }) => {
    const release = await fencePrimaryWrites(world, scope, input.GlobalReplicationGroupId);
    try {
      return failoverGlobal(world, scope, input);
    } finally {
      release();
    }
  }),

  DisassociateGlobalReplicationGroup: define<ec.DisassociateGlobalReplicationGroupMessage, ec.DisassociateGlobalReplicationGroupResult>(
    (input, { world, scope }) => {
      const global = requireGlobal(world, scope, input.GlobalReplicationGroupId);
      const member = global.members.find((m) => m.groupId === input.ReplicationGroupId?.toLowerCase() && m.region === input.ReplicationGroupRegion);
      // Worded as AWS words it: the aws provider takes this message (InvalidParameterValue) as "already disassociated", so a
      // destroy interrupted after the disassociation goes on to delete the group.
      if (!member) {
        throw invalidValue(`Replication group ${input.ReplicationGroupId} in ${input.ReplicationGroupRegion} is not associated with Global Replication Group ${global.id}.`);
      }
      if (member.role === 'primary') throw invalidValue('The primary replication group cannot be disassociated; fail over or delete the global datastore.');
      global.members = global.members.filter((m) => m !== member);
      settleMembership(world, scope, global);
      save(world, scope, global);
      // The group keeps its data and becomes a writable regional group of its own.
      setMembership(world, scope, member.region, member.groupId, undefined);
      return { GlobalReplicationGroup: describe(world, scope, global) };
    },
  ),

  DeleteGlobalReplicationGroup: define<ec.DeleteGlobalReplicationGroupMessage, ec.DeleteGlobalReplicationGroupResult>((input, { world, scope }) => {
    const global = requireGlobal(world, scope, input.GlobalReplicationGroupId);
    if (input.RetainPrimaryReplicationGroup !== true) {
      throw invalidValue('RetainPrimaryReplicationGroup must be true: the primary replication group is kept when a global datastore is deleted.');
    }
    if (global.members.some((m) => m.role === 'secondary')) {
      throw fault('InvalidGlobalReplicationGroupStateFault', `Global replication group ${global.id} still has secondary members; disassociate them first.`);
    }
    requireState('global-group', global, 'delete');
    transition(world, scope, 'global-group', global, 'deleting');
    save(world, scope, global);
    world.later(() => {
      for (const m of global.members) setMembership(world, scope, m.region, m.groupId, undefined);
      world.resources.remove(globalScope(scope), 'global-group', global.id);
    });
    return { GlobalReplicationGroup: describe(world, scope, global) };
  }),

  IncreaseNodeGroupsInGlobalReplicationGroup: define<ec.IncreaseNodeGroupsInGlobalReplicationGroupMessage, ec.IncreaseNodeGroupsInGlobalReplicationGroupResult>(
    (input, { world, scope }) => {
      const global = requireGlobal(world, scope, input.GlobalReplicationGroupId);
      const current = globalPrimaryGroup(world, scope, global)?.shards?.length ?? 0;
      if (current === 0) throw invalidValue(NOT_CLUSTER_MODE);
      if ((input.NodeGroupCount ?? 0) <= current) throw invalidValue(`NodeGroupCount must be more than the current ${current} node groups.`);
      changeGlobalNodeGroups(world, scope, globalScope(scope), global, input);
      return { GlobalReplicationGroup: describe(world, scope, global) };
    },
  ),
  DecreaseNodeGroupsInGlobalReplicationGroup: define<ec.DecreaseNodeGroupsInGlobalReplicationGroupMessage, ec.DecreaseNodeGroupsInGlobalReplicationGroupResult>(
    (input, { world, scope }) => {
      const global = requireGlobal(world, scope, input.GlobalReplicationGroupId);
      const current = globalPrimaryGroup(world, scope, global)?.shards?.length ?? 0;
      if (current === 0) throw invalidValue(NOT_CLUSTER_MODE);
      if ((input.NodeGroupCount ?? current) >= current) throw invalidValue(`NodeGroupCount must be less than the current ${current} node groups.`);
      if (!input.GlobalNodeGroupsToRemove?.length === !input.GlobalNodeGroupsToRetain?.length) {
        throw invalidCombination('Specify either GlobalNodeGroupsToRemove or GlobalNodeGroupsToRetain.');
      }
      changeGlobalNodeGroups(world, scope, globalScope(scope), global, input);
      return { GlobalReplicationGroup: describe(world, scope, global) };
    },
  ),
  // Every reshard here already leaves the slots spread evenly: there is nothing to move.
  RebalanceSlotsInGlobalReplicationGroup: define<ec.RebalanceSlotsInGlobalReplicationGroupMessage, ec.RebalanceSlotsInGlobalReplicationGroupResult>(
    (input, { world, scope }) => {
      const global = requireGlobal(world, scope, input.GlobalReplicationGroupId);
      if (input.ApplyImmediately !== true) throw invalidValue('ApplyImmediately must be true.');
      if (!globalPrimaryGroup(world, scope, global)?.shards) throw invalidValue(`Global replication group ${global.id} is not cluster mode enabled.`);
      requireState('global-group', global, 'modify');
      return { GlobalReplicationGroup: describe(world, scope, global) };
    },
  ),
};
