import type * as ec from '@aws-sdk/client-elasticache';
import { DEFAULT_VERSION, ENGINE_VERSIONS } from '../catalog/engine-versions.ts';
import { scaleUpTargets } from '../catalog/node-types.ts';
import { FAMILIES } from '../lifecycle/parameters.ts';
import { invalidCombination, invalidValue } from '../protocol/errors.ts';
import { requireCluster } from './cache-clusters.ts';
import { classicOnly, engineOf } from './cluster-options.ts';
import { paginate } from './paginate.ts';
import { define, type ActionTable } from './registry.ts';
import { requireGroup } from './replication-groups.ts';



export const catalogueActions: ActionTable = {
  DescribeCacheEngineVersions: define<ec.DescribeCacheEngineVersionsMessage, ec.CacheEngineVersionMessage>((input) => {
    let versions = ENGINE_VERSIONS.slice();
    if (input.Engine !== undefined) {
      const engine = engineOf(input.Engine, 'redis');
      versions = versions.filter((v) => v.engine === engine);
    }
    if (input.EngineVersion !== undefined) versions = versions.filter((v) => v.version === input.EngineVersion || v.version.startsWith(`${input.EngineVersion}.`));
    if (input.CacheParameterGroupFamily !== undefined) {
      if (!FAMILIES.includes(input.CacheParameterGroupFamily)) {
        throw invalidValue(`Invalid parameter group family: ${input.CacheParameterGroupFamily}`);
      }
      versions = versions.filter((v) => v.family === input.CacheParameterGroupFamily);
    }
    if (input.DefaultOnly) versions = versions.filter((v) => v.version === DEFAULT_VERSION[v.engine]);
    const { page, marker } = paginate(versions, input.MaxRecords, input.Marker);
    return {
      Marker: marker,
      CacheEngineVersions: page.map((v) => ({
        Engine: v.engine,
        EngineVersion: v.version,
        CacheParameterGroupFamily: v.family,
        CacheEngineDescription: v.engine === 'memcached' ? 'memcached' : v.engine === 'valkey' ? 'Valkey' : 'Redis',
        CacheEngineVersionDescription: v.description,
      })),
    };
  }),

  // Cache security groups belong to EC2-Classic, which AWS has retired: every account is VPC-only and gets this answer.
  DescribeCacheSecurityGroups: define<ec.DescribeCacheSecurityGroupsMessage, ec.CacheSecurityGroupMessage>(() => {
    throw classicOnly();
  }),
  CreateCacheSecurityGroup: define<ec.CreateCacheSecurityGroupMessage, ec.CreateCacheSecurityGroupResult>(() => {
    throw classicOnly();
  }),
  DeleteCacheSecurityGroup: define<ec.DeleteCacheSecurityGroupMessage, void>(() => {
    throw classicOnly();
  }),
  AuthorizeCacheSecurityGroupIngress: define<ec.AuthorizeCacheSecurityGroupIngressMessage, ec.AuthorizeCacheSecurityGroupIngressResult>(() => {
    throw classicOnly();
  }),
  RevokeCacheSecurityGroupIngress: define<ec.RevokeCacheSecurityGroupIngressMessage, ec.RevokeCacheSecurityGroupIngressResult>(() => {
    throw classicOnly();
  }),

  ListAllowedNodeTypeModifications: define<ec.ListAllowedNodeTypeModificationsMessage, ec.AllowedNodeTypeModificationsMessage>(
    (input, { world, scope }) => {
      if (input.CacheClusterId !== undefined && input.ReplicationGroupId !== undefined) {
        throw invalidCombination('Specify either CacheClusterId or ReplicationGroupId, not both.');
      }
      let nodeType: string;
      if (input.ReplicationGroupId !== undefined) nodeType = requireGroup(world, scope, input.ReplicationGroupId).nodeType;
      else if (input.CacheClusterId !== undefined) {
        const cluster = requireCluster(world, scope, input.CacheClusterId);
        if (cluster.engine === 'memcached') return { ScaleUpModifications: [], ScaleDownModifications: [] };
        nodeType = cluster.nodeType;
      } else throw invalidCombination('Either CacheClusterId or ReplicationGroupId must be specified.');
      return { ScaleUpModifications: scaleUpTargets(nodeType), ScaleDownModifications: [] };
    },
  ),
};

