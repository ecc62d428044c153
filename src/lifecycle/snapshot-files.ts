import fs from 'node:fs';
import path from 'node:path';
import { invalidValue } from '../protocol/errors.ts';
import { pathInside } from '../store/paths.ts';
import type { Scope } from '../store/records.ts';

/**
 * Where snapshot RDB files live: one file per shard, written to a temporary name, fsynced and renamed,
 * so a crash never leaves a half-written snapshot under its real name.
 */
export function snapshotDir(dataDir: string, scope: Scope, name: string): string {
  // Serverless snapshots live under `serverless/<name>`: each part is still checked as a plain name.
  return pathInside(dataDir, 'snapshots', scope.account, scope.region, ...name.split('/'));
}

export function snapshotFile(dataDir: string, scope: Scope, name: string, nodeGroupId: string): string {
  return pathInside(snapshotDir(dataDir, scope, name), `${nodeGroupId}.rdb`);
}

/** S3's bucket naming rules, checked before a bucket becomes a folder of the data directory. */
export function checkBucketName(bucket: string): void {
  const valid =
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) &&
    !bucket.includes('..') &&
    !/^\d+\.\d+\.\d+\.\d+$/.test(bucket) &&
    !bucket.startsWith('xn--') &&
    !bucket.endsWith('-s3alias');
  if (!valid) throw invalidValue(`Invalid bucket name: ${bucket}`);
}

/** The local stand-in for S3: `arn:aws:s3:::BUCKET/KEY` and a TargetBucket BUCKET mean `<data-dir>/s3/BUCKET/`. */
export function bucketDir(dataDir: string, bucket: string): string {
  checkBucketName(bucket);
  return pathInside(dataDir, 's3', bucket);
}

/** S3 allows keys up to 1024 bytes. */
const MAX_KEY_BYTES = 1024;

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

/** writeFileDurably without holding the event loop for the write and the fsyncs. */
export async function writeFileDurablyAsync(file: string, data: Buffer): Promise<void> {
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  const fh = await fs.promises.open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fs.promises.rename(tmp, file);
  const dir = await fs.promises.open(path.dirname(file), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/** Temporary files left by a crash are garbage: snapshots never become visible under them. */
export function removeStaleTemporaries(dir: string): void {
  if (!fs.existsSync(dir)) return;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.tmp')) fs.rmSync(path.join(entry.parentPath, entry.name), { force: true });
  }
}

/**
 * An RDB named by `arn:aws:s3:::BUCKET/KEY`, read from the local S3 stand-in. The bucket follows S3's naming
 * rules and the key is a relative path of plain names (S3 keys may hold `..` or a leading `/`, but here a key
 * is a file path, so those are refused rather than followed out of the bucket).
 */
export function s3ObjectPath(dataDir: string, arn: string): string {
  const m = /^arn:aws(?:-cn|-us-gov)?:s3:::([^/]*)\/(.*)$/s.exec(arn);
  if (!m) throw invalidValue(`Invalid S3 object ARN: ${arn}. Expected arn:aws:s3:::BUCKET/KEY.`);
  const [, bucket, key] = m as unknown as [string, string, string];
  checkBucketName(bucket);
  if (key === '' || Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) throw invalidValue(`Invalid S3 key in ${arn}.`);
  const segments = key.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..' || /[\\\0]/.test(s))) {
    throw invalidValue(`Invalid S3 key in ${arn}: the local S3 stand-in refuses empty, "." and ".." path segments.`);
  }
  return pathInside(bucketDir(dataDir, bucket), ...segments);
}
