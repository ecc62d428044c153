// ACL LOG: recent refusals, newest first. A refusal like one already logged in the last minute
// (same reason, context, object and user) counts on that entry and moves it to the front, as Redis does.
import type { Client } from '../client.ts';
import { clientInfoLine } from '../commands/connection.ts';

export type LogReason = 'command' | 'key' | 'channel' | 'auth';
export type LogContext = 'toplevel' | 'multi' | 'lua' | 'module';

const GROUPING_WINDOW_MS = 60_000;

export interface LogEntry {
  count: number;
  reason: LogReason;
  context: LogContext;
  object: string;
  username: string;
  /** Wall-clock ms of the latest occurrence. */
  at: number;
  clientInfo: string;
}

const GROUPING_SCAN = 10;

export class AclLog {
  entries: LogEntry[] = [];

  add(c: Client, reason: LogReason, context: LogContext, object: string, username: string): void {
    const now = c.engine.clock.now();
    const info = clientInfoLine(c);
    // Only the 10 latest entries are looked at for one to group with, as 7.0's addACLLogEntry does.
    const i = this.entries.findIndex(
      (e, at) => at < GROUPING_SCAN && e.reason === reason && e.context === context && e.object === object && e.username === username && now - e.at < GROUPING_WINDOW_MS,
    );
    if (i !== -1) {
      const [e] = this.entries.splice(i, 1) as [LogEntry];
      e.count++;
      e.at = now;
      e.clientInfo = info;
      this.entries.unshift(e);
      return;
    }
    this.entries.unshift({ count: 1, reason, context, object, username, at: now, clientInfo: info });
    // Trimmed only as an entry comes in: lowering acllog-max-len leaves the log as it is until then.
    const maxLen = Number(c.engine.config.get('acllog-max-len'));
    if (this.entries.length > maxLen) this.entries.length = maxLen;
  }

  write(c: Client, count: number): void {
    const now = c.engine.clock.now();
    const list = this.entries.slice(0, Math.max(0, count));
    c.w.array(list.length);
    for (const e of list) {
      c.w.map(7);
      c.w.bulk('count');
      c.w.int(e.count);
      c.w.bulk('reason');
      c.w.bulk(e.reason);
      c.w.bulk('context');
      c.w.bulk(e.context);
      c.w.bulk('object');
      c.w.bulk(e.object);
      c.w.bulk('username');
      c.w.bulk(e.username);
      c.w.bulk('age-seconds');
      c.w.double((now - e.at) / 1000);
      c.w.bulk('client-info');
      c.w.bulk(e.clientInfo);
    }
  }
}
