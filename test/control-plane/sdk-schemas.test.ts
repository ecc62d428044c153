// The build writes the SDK's schemas alone (scripts/sdk-schemas.mjs) for a start to read instead of the
// SDK's bundle: the written module must hold the very same schemas, thunks and shared shapes included.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
// @ts-expect-error: a plain JavaScript build script, without type declarations
import { schemasModule } from '../../scripts/sdk-schemas.mjs';

const require = createRequire(import.meta.url);

/** The value with every thunk replaced by what it returns; a shape met again is the same object again. */
function resolved(value: unknown, seen = new Map<unknown, unknown>()): unknown {
  if (typeof value === 'function') return resolved((value as () => unknown)(), seen);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return seen.get(value);
  const out: Record<string, unknown> | unknown[] = Array.isArray(value) ? [] : {};
  seen.set(value, out);
  for (const [k, v] of Object.entries(value)) (out as Record<string, unknown>)[k] = resolved(v, seen);
  return out;
}

it('the written schemas equal the SDK’s: every X$ export, its traits, members and references', () => {
  const sdk = require('@aws-sdk/client-elasticache') as Record<string, unknown>;
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ecl-schemas-')), 'sdk-schemas.cjs');
  fs.writeFileSync(file, (schemasModule as (s: unknown) => string)(sdk));
  const written = require(file) as Record<string, unknown>;
  const names = Object.keys(sdk).filter((k) => k.endsWith('$') && Array.isArray(sdk[k]));
  expect(names.length).toBeGreaterThan(300);
  expect(Object.keys(written).sort()).toEqual(names.sort());
  for (const name of names) expect(resolved(written[name]), name).toEqual(resolved(sdk[name]));
  // A reference is still a thunk to the one shared shape, as in the SDK (CacheCluster's ConfigurationEndpoint).
  const members = (written.CacheCluster$ as unknown[])[5] as unknown[];
  expect(typeof members[1]).toBe('function');
  expect((members[1] as () => unknown)()).toBe(written.Endpoint$);
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
});
