import { cacheClusterActions } from './cache-clusters.ts';
import { catalogueActions } from './catalogues.ts';
import { eventActions } from './events.ts';
import { globalDatastoreActions } from './global-datastores.ts';
import { migrationActions } from './migration.ts';
// Registers the maintenance-window duty that applies deferred modifications.
import './maintenance.ts';
import { parameterGroupActions } from './parameter-groups.ts';
import type { ActionTable } from './registry.ts';
import { replicationGroupActions } from './replication-groups.ts';
import { reservedNodeActions } from './reserved-nodes.ts';
import { serverlessSnapshotActions } from './serverless-snapshots.ts';
import { serverlessActions } from './serverless.ts';
import { serviceUpdateActions } from './service-updates.ts';
import { snapshotActions } from './snapshots.ts';
import { subnetGroupActions } from './subnet-groups.ts';
import { tagActions } from './tags.ts';
import { reshardingActions, topologyActions } from './topology.ts';
import { userActions } from './users.ts';

/** Every implemented action by its API name; the others are routed to a "not implemented" error. */
export const ACTIONS: ActionTable = {
  ...subnetGroupActions,
  ...cacheClusterActions,
  ...replicationGroupActions,
  ...tagActions,
  ...eventActions,
  ...catalogueActions,
  ...serviceUpdateActions,
  ...parameterGroupActions,
  ...userActions,
  ...serverlessActions,
  ...serverlessSnapshotActions,
  ...reservedNodeActions,
  ...snapshotActions,
  ...topologyActions,
  ...reshardingActions,
  ...globalDatastoreActions,
  ...migrationActions,
};
