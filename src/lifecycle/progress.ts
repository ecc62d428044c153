import type { RestoreSource, Scope } from '../store/records.ts';
import type { SourceType } from '../store/events.ts';
import type { World } from '../world.ts';

/**
 * One step of a long operation (a restore, an export) that people wait on: an event on the resource, so
 * DescribeEvents and the console show it moving, and the same line in the log at info.
 */
export function reportProgress(world: World, scope: Scope, sourceType: SourceType, sourceId: string, message: string): void {
  world.event(scope, sourceType, sourceId, message);
  world.log.info({ sourceType, sourceId }, message);
}

/** How restore events name where the data comes from. */
export function restoreSourceName(source: RestoreSource): string {
  if (source.snapshotName) return `snapshot '${source.snapshotName}'`;
  const arns = source.snapshotArns ?? [];
  return arns.length === 1 ? `'${arns[0]}'` : `${arns.length} RDB files in S3`;
}

export function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
