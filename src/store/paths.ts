import path from 'node:path';
import { invalidValue } from '../protocol/errors.ts';

/**
 * A path under `root` from segments that came (directly or not) from a request. Each segment must be one
 * plain name, and the result must stay strictly inside root: no `.`, `..`, separators, NUL or absolute
 * parts, so no request can name a file of another account, region or bucket, or outside the data directory.
 */
export function pathInside(root: string, ...segments: string[]): string {
  for (const segment of segments) {
    if (segment === '' || segment === '.' || segment === '..' || /[/\\\0]/.test(segment)) {
      throw invalidValue(`Invalid name "${segment}" for a local file.`);
    }
  }
  const base = path.resolve(root);
  const full = path.resolve(base, ...segments);
  if (!full.startsWith(base + path.sep)) throw invalidValue(`Invalid name "${segments.join('/')}" for a local file.`);
  return full;
}
