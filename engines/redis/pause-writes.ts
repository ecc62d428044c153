// What CLIENT PAUSE WRITE holds: redis-server 7.0's processCommand postpones a command that may
// replicate (write or may_replicate flags), where a script's declared flags replace EVAL's and FCALL's
// own (no-writes scripts run), and an EXEC whose queued commands would be held.
import type { Client } from './client.ts';
import { resolve } from './dispatch.ts';
import type { Engine } from './engine.ts';
import { parseShebang, type ScriptFlags } from './scripting/flags.ts';
import { Scripting } from './scripting/scripting.ts';

/** The flags a script declared, or null where Redis keeps the command's own (no shebang, unknown script). */
function declaredFlags(e: Engine, name: string, args: readonly string[]): ScriptFlags | null {
  const target = args[1] as string;
  let flags: ScriptFlags | undefined;
  if (name === 'fcall') flags = e.scripting.functions.find(target)?.flags;
  else if (name === 'evalsha') flags = target.length === 40 ? e.scripting.scripts.get(target.toLowerCase())?.flags : undefined;
  else if (name === 'eval') {
    flags = e.scripting.scripts.get(Scripting.sha1(target))?.flags;
    if (flags === undefined) {
      try {
        flags = parseShebang(target).flags;
      } catch {
        return null;
      }
    }
  }
  return flags === undefined || flags.compat ? null : flags;
}

function mayReplicate(e: Engine, args: readonly string[]): boolean {
  const def = resolve(e, args);
  // Unknown commands and arity errors are refused before the pause is looked at.
  if (typeof def === 'string') return false;
  if (!def.mayReplicate) return def.isWrite;
  const declared = declaredFlags(e, def.name, args);
  return declared === null || !declared.noWrites;
}

/** A script that may write as it runs (EVAL, EVALSHA, FCALL whose flags do not say no-writes), at the top level. */
export function mayWriteScript(e: Engine, args: readonly string[]): boolean {
  const name = (args[0] as string).toLowerCase();
  if (name !== 'eval' && name !== 'evalsha' && name !== 'fcall') return false;
  const declared = declaredFlags(e, name, args);
  return declared === null || !declared.noWrites;
}

export function heldByWritePause(e: Engine, c: Client, args: readonly string[]): boolean {
  const name = (args[0] as string).toLowerCase();
  if (name === 'exec' && c.multi !== null) return c.multi.some((queued) => mayReplicate(e, queued));
  return mayReplicate(e, args);
}
