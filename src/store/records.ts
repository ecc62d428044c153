/** What the emulator keeps about each resource: AWS's facts plus the local ports that realise them. */

export interface Scope {
  account: string;
  region: string;
}

export type Engine = 'redis' | 'memcached' | 'valkey';

export interface SubnetGroupRecord {
  name: string;
  description: string;
  vpcId: string;
  subnets: { id: string; az: string }[];
  createdAt: number;
}

export interface NodeRecord {
  id: string; // '0001'
  /** The local port this node's engine listens on. */
  port: number;
  status: string;
  az: string;
  createdAt: number;
}

export type ClusterStatus =
  | 'creating'
  | 'available'
  | 'modifying'
  | 'deleting'
  | 'rebooting cache cluster nodes'
  | 'snapshotting'
  | 'create-failed'
  | 'restore-failed'
  | 'incompatible-network'
  | 'incompatible-parameters';

/** Data a new cluster or group starts with: a snapshot of ours or RDB files in the local S3 stand-in. */
export interface RestoreSource {
  snapshotName?: string;
  snapshotArns?: string[];
}

/** Where a node's slow log or engine log is delivered (written locally under <data-dir>/logs/<destination>/). */
export interface LogDeliveryRecord {
  logType: 'slow-log' | 'engine-log';
  destinationType: 'cloudwatch-logs' | 'kinesis-firehose';
  /** The CloudWatch log group or Firehose delivery stream. */
  destination: string;
  logFormat: 'text' | 'json';
}

/**
 * A Modify* request's parts that wait for the maintenance window (ApplyImmediately false), kept as the
 * request itself so that applying them later is the same modify with ApplyImmediately true.
 */
export interface DeferredChanges {
  request: Record<string, unknown>;
  since: number;
}

export type TransitEncryptionMode = 'preferred' | 'required';

export interface PendingClusterChanges {
  numNodes?: number;
  nodeIdsToRemove?: string[];
  nodeType?: string;
  engineVersion?: string;
  authTokenStatus?: string;
}

export interface ClusterRecord {
  id: string;
  engine: Engine;
  engineVersion: string;
  nodeType: string;
  status: ClusterStatus;
  nodes: NodeRecord[];
  azMode: 'single-az' | 'cross-az';
  preferredAz: string;
  subnetGroup: string;
  securityGroupIds: string[];
  parameterGroup: string;
  replicationGroupId?: string;
  /** Memcached only: the configuration endpoint's local port. */
  configEndpointPort?: number;
  /** Memcached only: auto discovery's config version, raised whenever nodes join or leave. */
  configVersion?: number;
  transitEncryption: boolean;
  /** With transitEncryption: TLS only (required, the default) or TLS and plaintext on one port (preferred). */
  transitEncryptionMode?: TransitEncryptionMode;
  atRestEncryption: boolean;
  authToken?: string;
  /** After a ROTATE: the old token, still accepted until a SET (or another ROTATE) drops it. */
  previousAuthToken?: string;
  authTokenLastModified?: number;
  snapshotRetentionLimit: number;
  snapshotWindow: string;
  maintenanceWindow: string;
  autoMinorVersionUpgrade: boolean;
  notificationTopicArn?: string;
  networkType: string;
  ipDiscovery: string;
  pending: PendingClusterChanges;
  deferred?: DeferredChanges;
  logDelivery?: LogDeliveryRecord[];
  /** Parameter changes that wait for a reboot of these nodes (ParameterApplyStatus pending-reboot). */
  nodesToReboot?: string[];
  restoreFrom?: RestoreSource;
  /** Set by a delete that asked for a final snapshot. */
  finalSnapshot?: string;
  /** Last automatic snapshot (ms), so the daily window takes one at most. */
  lastAutomaticSnapshot?: number;
  createdAt: number;
}

/** One shard of a cluster-mode-enabled group. */
export interface ShardRecord {
  id: string; // '0001'
  /** Inclusive hash-slot ranges. */
  slots: [number, number][];
  primaryClusterId: string;
  members: string[];
}

export type GroupStatus = 'creating' | 'available' | 'modifying' | 'deleting' | 'create-failed' | 'snapshotting';

export interface ReplicationGroupRecord {
  id: string;
  description: string;
  status: GroupStatus;
  engine: Engine;
  engineVersion: string;
  nodeType: string;
  memberClusters: string[];
  primaryClusterId: string;
  automaticFailover: boolean;
  multiAZ: boolean;
  primaryEndpointPort: number;
  readerEndpointPort: number;
  /**
   * The loopback address of the endpoint that carries the group's port (the configuration endpoint in
   * cluster mode, else the primary) when not the host: another group already had that port there.
   */
  endpointAddress?: string;
  /** Where a cluster-mode compatible group's configuration endpoint has its port (the primary has it at endpointAddress). */
  configEndpointAddress?: string;
  transitEncryption: boolean;
  transitEncryptionMode?: TransitEncryptionMode;
  atRestEncryption: boolean;
  kmsKeyId?: string;
  authTokenEnabled: boolean;
  authTokenLastModified?: number;
  snapshotRetentionLimit: number;
  snapshotWindow: string;
  userGroupIds: string[];
  autoMinorVersionUpgrade: boolean;
  networkType: string;
  ipDiscovery: string;
  dataTiering: 'enabled' | 'disabled';
  pending: {
    automaticFailover?: boolean;
    /** While a modify of the AUTH token or of transit encryption is being applied. */
    authTokenStatus?: 'SETTING' | 'ROTATING';
    transit?: { enabled: boolean; mode?: TransitEncryptionMode };
  };
  deferred?: DeferredChanges;
  logDelivery?: LogDeliveryRecord[];
  restoreFrom?: RestoreSource;
  finalSnapshot?: string;
  lastAutomaticSnapshot?: number;
  /** When TestFailover ran (ms), for AWS's limit on how often. */
  failovers?: number[];
  /** Online migration from a self-hosted Redis (StartMigration), until CompleteMigration. */
  migration?: { address: string; port: number };
  /** Membership of a global datastore. */
  global?: { id: string; role: 'primary' | 'secondary' };
  /** Set while a group moves from cluster mode disabled to enabled: both kinds of client are served. */
  clusterModeCompatible?: boolean;
  /** Cluster mode enabled: the shards, and the configuration endpoint in front of them. */
  shards?: ShardRecord[];
  configEndpointPort?: number;
  createdAt: number;
}

export interface ParameterGroupRecord {
  name: string;
  family: string;
  description: string;
  /** Only the parameters set away from the family's defaults. */
  overrides: Record<string, string>;
  createdAt: number;
}

export type UserStatus = 'active' | 'modifying' | 'deleting';

export interface UserRecord {
  id: string;
  userName: string;
  engine: Engine;
  accessString: string;
  authentication: 'password' | 'no-password-required' | 'iam';
  /** Kept so the engines can check AUTH; AWS never returns them. */
  passwords: string[];
  status: UserStatus;
  createdAt: number;
}

export interface UserGroupRecord {
  id: string;
  engine: Engine;
  userIds: string[];
  status: 'creating' | 'active' | 'modifying' | 'deleting';
  pending?: { add: string[]; remove: string[] };
  createdAt: number;
}

export interface ServerlessCacheRecord {
  name: string;
  description: string;
  engine: Engine;
  majorVersion: string;
  fullVersion: string;
  status: 'creating' | 'available' | 'modifying' | 'deleting' | 'create-failed';
  usageLimits?: {
    dataStorage?: { maximum?: number; minimum?: number; unit: string };
    ecpuPerSecond?: { maximum?: number; minimum?: number };
  };
  kmsKeyId?: string;
  securityGroupIds: string[];
  subnetIds: string[];
  userGroupId?: string;
  snapshotRetentionLimit?: number;
  dailySnapshotTime?: string;
  /** When the last automated snapshot was taken (the emulator's clock). */
  lastAutomaticSnapshot?: number;
  networkType: string;
  /** A serverless snapshot ARN or an S3 object ARN the cache starts from. */
  restoreArn?: string;
  /** The one local node that serves the cache, and the two endpoints in front of it. */
  nodePort: number;
  endpointPort: number;
  readerEndpointPort: number;
  createdAt: number;
}

export interface ReservedNodeRecord {
  id: string;
  offeringId: string;
  count: number;
  startTime: number;
  state: 'payment-pending' | 'active' | 'retired';
}

export interface NodeSnapshotRecord {
  clusterId: string;
  nodeGroupId: string;
  /** Cluster mode: the hash slots the shard served, as "0-8191". */
  slots?: string;
  nodeId: string;
  /** Size of the RDB file, shown as AWS shows CacheSize. */
  bytes: number;
  nodeCreatedAt: number;
  snapshotAt: number;
}

export interface SnapshotRecord {
  name: string;
  source: 'manual' | 'automated';
  status: 'creating' | 'available' | 'copying' | 'deleting' | 'exporting' | 'restoring' | 'failed';
  replicationGroupId?: string;
  replicationGroupDescription?: string;
  clusterId?: string;
  engine: Engine;
  engineVersion: string;
  nodeType: string;
  numCacheNodes: number;
  numNodeGroups: number;
  preferredAz: string;
  clusterCreatedAt: number;
  maintenanceWindow: string;
  parameterGroup: string;
  subnetGroup: string;
  vpcId: string;
  autoMinorVersionUpgrade: boolean;
  retentionLimit: number;
  window: string;
  automaticFailover?: 'enabled' | 'disabled';
  kmsKeyId?: string;
  dataTiering: 'enabled' | 'disabled';
  nodeSnapshots: NodeSnapshotRecord[];
  createdAt: number;
}

export interface ServerlessSnapshotRecord {
  name: string;
  cacheName: string;
  engine: Engine;
  majorVersion: string;
  type: 'manual' | 'automated';
  status: 'creating' | 'available' | 'deleting' | 'failed' | 'copying' | 'exporting';
  kmsKeyId?: string;
  bytes: number;
  createdAt: number;
}

/** Global datastores span regions: they are stored under the account with this pseudo-region. */
export const GLOBAL_REGION = 'global';

export interface GlobalMemberRecord {
  groupId: string;
  region: string;
  role: 'primary' | 'secondary';
}

export interface GlobalGroupRecord {
  id: string;
  description: string;
  status: 'creating' | 'primary-only' | 'available' | 'modifying' | 'deleting' | 'create-failed';
  engine: Engine;
  engineVersion: string;
  nodeType: string;
  authTokenEnabled: boolean;
  transitEncryption: boolean;
  atRestEncryption: boolean;
  members: GlobalMemberRecord[];
  createdAt: number;
}

export interface RecordKinds {
  'global-group': GlobalGroupRecord;
  'serverless-snapshot': ServerlessSnapshotRecord;
  snapshot: SnapshotRecord;
  'reserved-node': ReservedNodeRecord;
  'serverless-cache': ServerlessCacheRecord;
  user: UserRecord;
  'user-group': UserGroupRecord;
  'parameter-group': ParameterGroupRecord;
  'subnet-group': SubnetGroupRecord;
  cluster: ClusterRecord;
  'replication-group': ReplicationGroupRecord;
}
export type Kind = keyof RecordKinds;
