// The line between the control plane and the engines, checked on the import graph: src/ reaches an
// engine only through its public entry point, the engines know nothing of src/, and bench/ drives the
// emulator through the same surfaces a user has (src/index.ts and the engines' entry points).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
// light.ts: what a control plane uses with no node running, without loading the engine's commands.
const ENTRY_POINTS = new Set(['engines/redis/index.ts', 'engines/redis/light.ts', 'engines/memcached/index.ts']);

function sources(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join(dir, f).split(path.sep).join('/'));
}

/** Every module a file imports (static, dynamic and re-exports), as paths from the root; packages left out. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  return [...text.matchAll(/\b(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)]
    .map((m) => m[1]!)
    .filter((name) => name.startsWith('.'))
    .map((name) => path.relative(ROOT, path.resolve(ROOT, path.dirname(file), name)).split(path.sep).join('/'));
}

function violations(dir: string, allowed: (target: string) => boolean): string[] {
  return sources(dir).flatMap((file) => importsOf(file).filter((t) => !allowed(t)).map((t) => `${file} -> ${t}`));
}

describe('engine boundary', () => {
  it('src/ imports only the engines’ entry points', () => {
    expect(violations('src', (t) => !t.startsWith('engines/') || ENTRY_POINTS.has(t))).toEqual([]);
  });

  it('the engines never import from src/', () => {
    expect(violations('engines', (t) => !t.startsWith('src/'))).toEqual([]);
  });

  it('bench/ uses src/ only through its public start()', () => {
    expect(violations('bench', (t) => !t.startsWith('src/') || t === 'src/index.ts')).toEqual([]);
  });

  it('lifecycle steps and the store never reach into the API actions', () => {
    const apiFree = (t: string) => !t.startsWith('src/actions/');
    expect([...violations('src/lifecycle', apiFree), ...violations('src/store', apiFree)]).toEqual([]);
  });

  it('finds imports of every form (a check that sees nothing would pass)', () => {
    expect(importsOf('src/cli.ts')).toContain('engines/redis/index.ts');
    expect(importsOf('engines/redis/index.ts')).toEqual(expect.arrayContaining(['engines/redis/node.ts', 'engines/redis/standalone.ts']));
    expect(sources('src').length).toBeGreaterThan(50);
  });
});
