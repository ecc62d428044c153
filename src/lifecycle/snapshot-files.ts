import fs from 'node:fs';
import path from 'node:path';
import { invalidValue } from '../protocol/errors.ts';
import type { Scope } from '../store/records.ts';

/**
 * Where snapshot RDB files live: one file per shard, written to a temporary name, fsynced and renamed,
 * so a crash never leaves a half-written snapshot under its real name.
 */
export function snapshotDir(dataDir: string, scope: Scope, name: string): string {
  return path.join(dataDir, 'snapshots', scope.account, scope.region, name);
}

export function snapshotFile(dataDir: string, scope: Scope, name: string, nodeGroupId: string): string {
  return path.join(snapshotDir(dataDir, scope, name), `${nodeGroupId}.rdb`);
}

/** S3's bucket naming rule, checked before a bucket becomes a folder of the data directory. */
export function checkBucketName(bucket: string): void {
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw invalidValue(`Invalid bucket name: ${bucket}`);
}

/** The local stand-in for S3: `arn:aws:s3:::BUCKET/KEY` and a TargetBucket BUCKET mean `<data-dir>/s3/BUCKET/`. */
export function bucketDir(dataDir: string, bucket: string): string {
  return path.join(dataDir, 's3', bucket);
}

export function writeFileDurably(file: string, data: Buffer): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  const dirFd = fs.openSync(path.dirname(file), 'r');
  try {
    fs.fsyncSync(dirFd);
  } finally {
    fs.closeSync(dirFd);
  }
}

/** Temporary files left by a crash are garbage: snapshots never become visible under them. */
export function removeStaleTemporaries(dir: string): void {
  if (!fs.existsSync(dir)) return;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.tmp')) fs.rmSync(path.join(entry.parentPath, entry.name), { force: true });
  }
}

/** An RDB named by `arn:aws:s3:::BUCKET/KEY`, read from the local S3 stand-in. */
export function s3ObjectPath(dataDir: string, arn: string): string {
  const m = /^arn:aws[a-z-]*:s3:::([^/]+)\/(.+)$/.exec(arn);
  if (!m) throw invalidValue(`Invalid S3 object ARN: ${arn}. Expected arn:aws:s3:::BUCKET/KEY.`);
  const bucket = bucketDir(dataDir, m[1]!);
  const file = path.resolve(bucket, m[2]!);
  if (!file.startsWith(path.resolve(bucket) + path.sep)) throw invalidValue(`Invalid S3 key in ${arn}.`);
  return file;
}
