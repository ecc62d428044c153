import type { SourceType } from './events.ts';
import type { Kind, Scope } from './records.ts';

/**
 * One naming of the resource types: the store's kind, the type in the resource's ARN, and the
 * DescribeEvents source type its events are listed under (where AWS has one).
 */
export const RESOURCE_TYPES: Record<Kind, { arnType: string; eventSource?: SourceType }> = {
  cluster: { arnType: 'cluster', eventSource: 'cache-cluster' },
  'replication-group': { arnType: 'replicationgroup', eventSource: 'replication-group' },
  'subnet-group': { arnType: 'subnetgroup', eventSource: 'cache-subnet-group' },
  'parameter-group': { arnType: 'parametergroup', eventSource: 'cache-parameter-group' },
  snapshot: { arnType: 'snapshot' },
  user: { arnType: 'user', eventSource: 'user' },
  'user-group': { arnType: 'usergroup', eventSource: 'user-group' },
  'serverless-cache': { arnType: 'serverlesscache', eventSource: 'serverless-cache' },
  'serverless-snapshot': { arnType: 'serverlesscachesnapshot', eventSource: 'serverless-cache-snapshot' },
  'reserved-node': { arnType: 'reserved-instance' },
  'global-group': { arnType: 'globalreplicationgroup' },
};

const KIND_OF_ARN_TYPE = new Map(Object.entries(RESOURCE_TYPES).map(([kind, t]) => [t.arnType, kind as Kind]));

export function kindOfArnType(arnType: string): Kind | undefined {
  return KIND_OF_ARN_TYPE.get(arnType);
}

/** The canonical ARN of a stored resource: the one its tags are kept under, whatever text a client wrote. */
export function arnOf(scope: Scope, kind: Kind, id: string): string {
  return `arn:aws:elasticache:${scope.region}:${scope.account}:${RESOURCE_TYPES[kind].arnType}:${id}`;
}
