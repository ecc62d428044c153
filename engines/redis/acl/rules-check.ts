import { systemClock } from '../clock.ts';
import { Engine } from '../engine.ts';
import type { Acl } from './acl.ts';

// A scratch engine that is never served: its ACL parses rules exactly as ACL SETUSER on a node does.
let scratch: Acl | undefined;
const PROBE_USER = 'elasticache-local-rule-check';

/** Why ACL SETUSER would refuse these rules (its error text without the ERR prefix), or null. */
export function aclRulesError(rules: readonly string[]): string | null {
  scratch ??= new Engine({ clock: systemClock, mode: 'bare', version: '7.0.15' }).acl;
  try {
    scratch.setUser(PROBE_USER, ['reset', ...rules]);
    return null;
  } catch (err) {
    return (err instanceof Error ? err.message : String(err)).replace(/^ERR /, '');
  } finally {
    scratch.deleteUsers([PROBE_USER], null);
  }
}
