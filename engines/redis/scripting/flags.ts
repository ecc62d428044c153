// Script flags, from an EVAL script's shebang line ("#!lua flags=no-writes,allow-oom") or from
// redis.register_function's `flags`; a script without a shebang runs in compatibility mode.
import { fail } from '../errors.ts';
import { splitInline } from '../resp/parser.ts';

export interface ScriptFlags {
  /** No shebang: Redis 7.0's EVAL compatibility rules (writes allowed, OOM checked per call). */
  compat: boolean;
  noWrites: boolean;
  allowOom: boolean;
  allowStale: boolean;
  noCluster: boolean;
  allowCrossSlot: boolean;
}

export const COMPAT_FLAGS: ScriptFlags = { compat: true, noWrites: false, allowOom: false, allowStale: false, noCluster: false, allowCrossSlot: false };

const NAMES: Record<string, keyof ScriptFlags> = {
  'no-writes': 'noWrites',
  'allow-oom': 'allowOom',
  'allow-stale': 'allowStale',
  'no-cluster': 'noCluster',
  'allow-cross-slot-keys': 'allowCrossSlot',
};

export function emptyFlags(): ScriptFlags {
  return { compat: false, noWrites: false, allowOom: false, allowStale: false, noCluster: false, allowCrossSlot: false };
}

/** Sets a named flag; false for a name Redis does not know. */
export function setFlag(f: ScriptFlags, name: string): boolean {
  const field = NAMES[name];
  if (field === undefined) return false;
  f[field] = true;
  return true;
}

export function flagNames(f: ScriptFlags): string[] {
  return Object.entries(NAMES)
    .filter(([, field]) => f[field])
    .map(([name]) => name);
}

export interface Shebang {
  flags: ScriptFlags;
  /** The body to compile: the shebang line becomes a comment so line numbers stay the same. */
  body: string;
}

/** Reads an EVAL script's shebang; throws Redis's error for a malformed one. */
export function parseShebang(body: string): Shebang {
  if (!body.startsWith('#!')) return { flags: COMPAT_FLAGS, body };
  // evalExtractShebangFlags: the line must end, and it is split as sdssplitargs splits (quotes too).
  const nl = body.indexOf('\n');
  if (nl < 0) fail('ERR Invalid script shebang');
  const parts = splitInline(body.slice(0, nl));
  if (parts === null || parts.length === 0) fail('ERR Invalid engine in script shebang');
  if (parts[0] !== '#!lua') fail(`ERR Unexpected engine in script shebang: ${parts[0] ?? ''}`);
  const flags = emptyFlags();
  for (const p of parts.slice(1)) {
    if (!p.startsWith('flags=')) fail(`ERR Unknown lua shebang option: ${p}`);
    // "flags=" names none; "flags=a," names an empty one (sdssplitlen), which is refused.
    if (p.length === 6) continue;
    for (const name of p.slice(6).split(',')) {
      if (!setFlag(flags, name)) fail(`ERR Unexpected flag in script shebang: ${name}`);
    }
  }
  return { flags, body: '--' + body.slice(2) };
}
