// Out-of-band messages (pub/sub deliveries, tracking invalidations) to a client that may itself be
// running a command. Redis writes them into the reply stream even under CLIENT REPLY OFF/SKIP, and
// sends a client's own invalidations after the reply of the command that caused them.
import type { Client } from './client.ts';

const held = new WeakMap<Client, (() => void)[]>();
/** Clients with pushes held (a client gone before its release stays counted: only the fast exit is lost). */
let holding = 0;

/**
 * Writes a push to `target` now, or right after the command `target` is running when that command's
 * reply is about to be dropped (REPLY OFF/SKIP rewinds it) or when `afterReply` asks for that order.
 */
export function pushTo(target: Client, write: () => void, afterReply = false): void {
  // A script's caller is the client running a command too (Redis's current_client while it runs).
  const e = target.engine;
  // So is one whose command answers in slices (busy): in redis-server it would still be running.
  const running = e.currentClient === target || e.scripting.running?.req.caller === target || target.blocked?.busy === true;
  if (running && (afterReply || target.replyMode !== 'on')) {
    let list = held.get(target);
    if (list === undefined) {
      held.set(target, (list = []));
      holding++;
    }
    list.push(write);
    return;
  }
  write();
}

/** Called once a client's outermost command has replied: sends what pushTo held back. */
export function releaseHeldPushes(c: Client): boolean {
  // Runs after every command: most of the time nobody holds anything.
  if (holding === 0) return false;
  const list = held.get(c);
  if (list === undefined) return false;
  held.delete(c);
  holding--;
  for (const write of list) write();
  return true;
}
