import type * as ec from '@aws-sdk/client-elasticache';
import { fault, invalidValue, missingParameter } from '../protocol/errors.ts';
import type { Kind, Scope } from '../store/records.ts';
import type { World } from '../world.ts';
import { defaultGroup } from '../lifecycle/parameters.ts';
import { parseArn, sameScope } from './arns.ts';
import { DEFAULT_USER_ID } from './users.ts';
import { define, type ActionTable } from './registry.ts';

export const MAX_TAGS_PER_RESOURCE = 50;
const MAX_KEY_LENGTH = 128;
const MAX_VALUE_LENGTH = 256;

type NotFoundFault = Parameters<typeof fault>[0];

/** ARN resource types we hold, with the kind in the store and the fault a missing one raises. */
const TAGGABLE: Record<string, { kind: Kind; notFound: NotFoundFault; what: string }> = {
  cluster: { kind: 'cluster', notFound: 'CacheClusterNotFoundFault', what: 'Cache cluster' },
  replicationgroup: { kind: 'replication-group', notFound: 'ReplicationGroupNotFoundFault', what: 'Replication group' },
  subnetgroup: { kind: 'subnet-group', notFound: 'CacheSubnetGroupNotFoundFault', what: 'Cache subnet group' },
  parametergroup: { kind: 'parameter-group', notFound: 'CacheParameterGroupNotFoundFault', what: 'Cache parameter group' },
  snapshot: { kind: 'snapshot', notFound: 'SnapshotNotFoundFault', what: 'Snapshot' },
  user: { kind: 'user', notFound: 'UserNotFoundFault', what: 'User' },
  usergroup: { kind: 'user-group', notFound: 'UserGroupNotFoundFault', what: 'User group' },
  serverlesscache: { kind: 'serverless-cache', notFound: 'ServerlessCacheNotFoundFault', what: 'Serverless cache' },
  serverlesscachesnapshot: { kind: 'serverless-snapshot', notFound: 'ServerlessCacheSnapshotNotFoundFault', what: 'Serverless cache snapshot' },
  'reserved-instance': { kind: 'reserved-node', notFound: 'ReservedCacheNodeNotFoundFault', what: 'Reserved cache node' },
};

function validateTags(tags: ec.Tag[]): { Key: string; Value: string }[] {
  return tags.map((t) => {
    if (t.Key === undefined || t.Key === '') throw missingParameter('Tags.Tag.Key');
    if (t.Key.length > MAX_KEY_LENGTH) throw invalidValue(`Tag key must be no more than ${MAX_KEY_LENGTH} characters long.`);
    if (t.Key.toLowerCase().startsWith('aws:')) throw invalidValue('Tag keys starting with "aws:" are reserved for AWS use.');
    const value = t.Value ?? '';
    if (value.length > MAX_VALUE_LENGTH) throw invalidValue(`Tag value must be no more than ${MAX_VALUE_LENGTH} characters long.`);
    return { Key: t.Key, Value: value };
  });
}

function addTags(world: World, arn: string, tags: ec.Tag[]): void {
  const valid = validateTags(tags);
  const keys = new Set([...world.tags.list(arn).map((t) => t.Key), ...valid.map((t) => t.Key)]);
  if (keys.size > MAX_TAGS_PER_RESOURCE) {
    throw fault('TagQuotaPerResourceExceeded', `The request cannot be processed because it would cause the resource to have more than the allowed number of tags (${MAX_TAGS_PER_RESOURCE}).`);
  }
  world.tags.add(arn, valid);
}

/** Tags given with a Create*: validated and stored with the resource, in the same transaction. */
export function applyCreateTags(world: World, arn: string, tags: ec.Tag[] | undefined): void {
  if (tags && tags.length > 0) addTags(world, arn, tags);
}

function requireResource(world: World, scope: Scope, arnText: string | undefined): string {
  if (arnText === undefined) throw missingParameter('ResourceName');
  const arn = parseArn(arnText);
  const type = TAGGABLE[arn.type];
  if (!type) throw fault('InvalidARNFault', `The ARN ${arnText} is not valid.`);
  // Default parameter groups and the default user are not stored, but their ARNs are taggable on AWS.
  const builtIn = (arn.type === 'parametergroup' && defaultGroup(arn.id) !== undefined) || (arn.type === 'user' && arn.id === DEFAULT_USER_ID);
  // Identifiers are stored lower-cased where AWS treats them case-insensitively; the ARN a client wrote may not be.
  const storedId = [arn.id, arn.id.toLowerCase()].find((id) => world.resources.get(scope, type.kind, id) !== undefined);
  const id = builtIn ? arn.id : storedId;
  if (!sameScope(arn, scope) || id === undefined) throw fault(type.notFound, `${type.what} ${arn.id} not found.`);
  // Tags live under the canonical ARN (partition, stored identifier), whatever spelling the request used.
  return world.arn(scope, type.kind, id);
}

export const tagActions: ActionTable = {
  AddTagsToResource: define<ec.AddTagsToResourceMessage, ec.TagListMessage>((input, { world, scope }) => {
    const arn = requireResource(world, scope, input.ResourceName);
    if (!input.Tags) throw missingParameter('Tags');
    world.resources.transaction(() => addTags(world, arn, input.Tags!));
    return { TagList: world.tags.list(arn) };
  }),

  ListTagsForResource: define<ec.ListTagsForResourceMessage, ec.TagListMessage>((input, { world, scope }) => {
    const arn = requireResource(world, scope, input.ResourceName);
    return { TagList: world.tags.list(arn) };
  }),

  RemoveTagsFromResource: define<ec.RemoveTagsFromResourceMessage, ec.TagListMessage>((input, { world, scope }) => {
    const arn = requireResource(world, scope, input.ResourceName);
    if (!input.TagKeys) throw missingParameter('TagKeys');
    const present = new Set(world.tags.list(arn).map((t) => t.Key));
    const missing = input.TagKeys.find((k) => !present.has(k));
    if (missing !== undefined) throw fault('TagNotFoundFault', `The tag ${missing} was not found on this resource.`);
    world.tags.remove(arn, input.TagKeys);
    return { TagList: world.tags.list(arn) };
  }),
};
