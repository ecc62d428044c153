import { invalidValue } from '../protocol/errors.ts';

export const DEFAULT_MAX_RECORDS = 100;
export const MIN_MAX_RECORDS = 20;

/**
 * MaxRecords/Marker paging shared by every Describe: the marker is opaque to clients and names the
 * position to continue from.
 */
export function paginate<T>(
  items: readonly T[],
  maxRecords: number | undefined,
  marker: string | undefined,
  bounds: { name: string; min: number; max: number; fallback: number } = {
    name: 'MaxRecords',
    min: MIN_MAX_RECORDS,
    max: DEFAULT_MAX_RECORDS,
    fallback: DEFAULT_MAX_RECORDS,
  },
): { page: T[]; marker?: string } {
  const size = maxRecords ?? bounds.fallback;
  if (!Number.isInteger(size) || size < bounds.min || size > bounds.max) {
    throw invalidValue(`The parameter ${bounds.name} must be between ${bounds.min} and ${bounds.max}.`);
  }
  let start = 0;
  if (marker !== undefined && marker !== '') {
    const decoded = Buffer.from(marker, 'base64url').toString('utf8');
    const m = /^offset:(\d+)$/.exec(decoded);
    if (!m) throw invalidValue(`Invalid marker: ${marker}`);
    start = Number(m[1]);
  }
  const page = items.slice(start, start + size);
  const next = start + size < items.length ? Buffer.from(`offset:${start + size}`).toString('base64url') : undefined;
  return { page, marker: next };
}
