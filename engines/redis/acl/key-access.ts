// Which access each key argument of a command needs. Redis 7.0's ACL finds a call's keys as COMMAND
// GETKEYSANDFLAGS does (getKeysFromCommandWithSpecs): by the key specs, or by the command's own key
// finder when a spec is incomplete, has variable flags or cannot be followed. A spec flagged ACCESS
// needs read permission, INSERT/UPDATE/DELETE write, and a key without flags (the finders of the
// numkeys commands, used when string2ll refuses numkeys: `ZINTER 1e3 k`) matches a pattern of
// either kind. %R~ grants only read, %W~ only write.
import type { CommandDef } from '../command-table.ts';
import { findKeys } from '../commands/command-keys.ts';

export interface KeyAccess {
  pos: number;
  read: boolean;
  write: boolean;
}

/** Every key argument of this call, in the order Redis checks them, with the access it needs. */
export function keyAccesses(def: CommandDef, args: string[]): KeyAccess[] {
  // A finder may name a position past the call's end (SET's always says 1, also for redis.acl_check_cmd('set')):
  // redis-server never reads it there, as a user with allkeys skips the check, and a call with too few arguments
  // is refused by its arity before ACL. Such a position is no key to check here.
  return findKeys(def, args).filter((k) => k.pos < args.length).map((k) => ({
    pos: k.pos,
    read: k.flags.includes('access'),
    write: k.flags.includes('insert') || k.flags.includes('update') || k.flags.includes('delete'),
  }));
}
