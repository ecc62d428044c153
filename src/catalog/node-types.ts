/**
 * Real ElastiCache node types with the memory AWS documents for each (GiB). A node's engine gets this
 * as its memory limit, so eviction happens where it would on AWS.
 */
const GIB_BY_NODE_TYPE: Record<string, number> = {
  'cache.t1.micro': 0.213,
  'cache.t2.micro': 0.555, 'cache.t2.small': 1.55, 'cache.t2.medium': 3.22,
  'cache.t3.micro': 0.5, 'cache.t3.small': 1.37, 'cache.t3.medium': 3.09,
  'cache.t4g.micro': 0.5, 'cache.t4g.small': 1.37, 'cache.t4g.medium': 3.09,
  'cache.m1.small': 1.3, 'cache.m1.medium': 3.35, 'cache.m1.large': 7.1, 'cache.m1.xlarge': 14.6,
  'cache.m2.xlarge': 16.7, 'cache.m2.2xlarge': 33.8, 'cache.m2.4xlarge': 68,
  'cache.c1.xlarge': 6.6,
  'cache.m3.medium': 2.78, 'cache.m3.large': 6.05, 'cache.m3.xlarge': 13.3, 'cache.m3.2xlarge': 27.9,
  'cache.m4.large': 6.42, 'cache.m4.xlarge': 14.28, 'cache.m4.2xlarge': 29.7, 'cache.m4.4xlarge': 60.78, 'cache.m4.10xlarge': 154.64,
  'cache.m5.large': 6.38, 'cache.m5.xlarge': 12.93, 'cache.m5.2xlarge': 26.04, 'cache.m5.4xlarge': 52.26,
  'cache.m5.12xlarge': 157.12, 'cache.m5.24xlarge': 314.32,
  'cache.m6g.large': 6.38, 'cache.m6g.xlarge': 12.93, 'cache.m6g.2xlarge': 26.04, 'cache.m6g.4xlarge': 52.26,
  'cache.m6g.8xlarge': 103.68, 'cache.m6g.12xlarge': 157.12, 'cache.m6g.16xlarge': 209.55,
  'cache.m7g.large': 6.38, 'cache.m7g.xlarge': 12.93, 'cache.m7g.2xlarge': 26.04, 'cache.m7g.4xlarge': 52.26,
  'cache.m7g.8xlarge': 103.68, 'cache.m7g.12xlarge': 157.12, 'cache.m7g.16xlarge': 209.55,
  'cache.r3.large': 13.5, 'cache.r3.xlarge': 28.4, 'cache.r3.2xlarge': 58.2, 'cache.r3.4xlarge': 118, 'cache.r3.8xlarge': 237,
  'cache.r4.large': 12.3, 'cache.r4.xlarge': 25.05, 'cache.r4.2xlarge': 50.47, 'cache.r4.4xlarge': 101.38,
  'cache.r4.8xlarge': 203.26, 'cache.r4.16xlarge': 407,
  'cache.r5.large': 13.07, 'cache.r5.xlarge': 26.32, 'cache.r5.2xlarge': 52.82, 'cache.r5.4xlarge': 105.81,
  'cache.r5.12xlarge': 317.77, 'cache.r5.24xlarge': 635.61,
  'cache.r6g.large': 13.07, 'cache.r6g.xlarge': 26.32, 'cache.r6g.2xlarge': 52.82, 'cache.r6g.4xlarge': 105.81,
  'cache.r6g.8xlarge': 209.55, 'cache.r6g.12xlarge': 317.77, 'cache.r6g.16xlarge': 419.09,
  'cache.r6gd.xlarge': 26.32, 'cache.r6gd.2xlarge': 52.82, 'cache.r6gd.4xlarge': 105.81, 'cache.r6gd.8xlarge': 209.55,
  'cache.r6gd.12xlarge': 317.77, 'cache.r6gd.16xlarge': 419.09,
  'cache.r7g.large': 13.07, 'cache.r7g.xlarge': 26.32, 'cache.r7g.2xlarge': 52.82, 'cache.r7g.4xlarge': 105.81,
  'cache.r7g.8xlarge': 209.55, 'cache.r7g.12xlarge': 317.77, 'cache.r7g.16xlarge': 419.09,
  'cache.c7gn.large': 3.09, 'cache.c7gn.xlarge': 6.38, 'cache.c7gn.2xlarge': 12.94, 'cache.c7gn.4xlarge': 26.05,
  'cache.c7gn.8xlarge': 52.26, 'cache.c7gn.12xlarge': 78.56, 'cache.c7gn.16xlarge': 105.81,
};

export const NODE_TYPES: readonly string[] = Object.keys(GIB_BY_NODE_TYPE);

export function isNodeType(name: string): boolean {
  return name in GIB_BY_NODE_TYPE;
}

export function nodeMemoryBytes(nodeType: string): number {
  return Math.round((GIB_BY_NODE_TYPE[nodeType] ?? 0.5) * 1024 ** 3);
}

/** Data tiering (r6gd) exists only for Redis/Valkey replication groups. */
export function isDataTieringNodeType(nodeType: string): boolean {
  return nodeType.startsWith('cache.r6gd.');
}

/** The node types a cluster of this type can be scaled to (ListAllowedNodeTypeModifications). */
export function scaleUpTargets(nodeType: string): string[] {
  const mem = GIB_BY_NODE_TYPE[nodeType];
  if (mem === undefined) return [];
  return NODE_TYPES.filter((t) => GIB_BY_NODE_TYPE[t]! > mem && !t.startsWith('cache.t1') && !t.match(/cache\.(m1|m2|c1)\./));
}
