// A connection in MONITOR mode beside a sequence's clients: after each step, the lines it received
// are part of the step's outcome. A line names its client by address: each session's own clients
// become their roles, times are masked; what a harness sends a varying number of times on each
// server (the SCAN family: a walk takes as many calls as each table needs) is left out.
import { FrameConn } from './conn.ts';
import { render } from './reply.ts';

// A line is `+<seconds.micros> [<db> <client>] "ARG" ...`; the client is ip:port, lua or unix:path.
const LINE = /^(\d+\.\d+) \[(\d+) ([^\]]+)\] (.*)$/s;
const VARYING = /^"(?:[HSZ]?SCAN)"/i;
// A MONITOR line is at most this late after the command whose marker it follows.
const LINE_MS = 7500;

export class Monitor {
  private roles = new Map<string, string>();
  /** Markers (the subscriber's PINGs) sent and not yet read off the monitor. */
  private pending = 0;

  private constructor(private readonly conn: FrameConn) {}

  /** Opened before the sequence's other clients, so it hears all of them. */
  static async open(port: number): Promise<Monitor> {
    const conn = await FrameConn.open(port);
    const ok = await conn.call(['MONITOR']);
    if (ok?.type !== '+') throw new Error(`MONITOR on port ${port}: ${ok ? render(ok) : 'no reply'}`);
    return new Monitor(conn);
  }

  name(conn: FrameConn, role: string): void {
    this.roles.set(conn.address, role);
  }

  /** The subscriber sent a PING (the end of a step's notifications): the next read must reach its line. */
  marked(): void {
    this.pending++;
  }

  /**
   * The lines up to the last marker, normalised; a closed monitor (CLIENT KILL) says so. `named`:
   * quoted arguments shown as another text (a client id as the generator's name for it); `where`:
   * the quoted numbers that may be such an id.
   */
  async lines(named: ReadonlyMap<string, string> = new Map(), where: RegExp = /"\d+"/g): Promise<string> {
    const out: string[] = [];
    while (this.pending > 0) {
      const f = await this.conn.frame(LINE_MS);
      if (f === null) {
        this.pending = 0;
        out.push(this.conn.isClosed ? '<monitor closed>' : '<monitor silent>');
        break;
      }
      const m = f.type === '+' ? LINE.exec(f.text ?? '') : null;
      if (m === null) {
        out.push(render(f));
        continue;
      }
      const [, , db, client, args] = m as unknown as [string, string, string, string, string];
      const who = client === 'lua' ? 'lua' : (this.roles.get(client) ?? 'other');
      if (who === 'sub' && args === '"PING"') this.pending--;
      else if (!VARYING.test(args)) out.push(`[${db} ${who}] ${named.size === 0 ? args : args.replace(where, (q) => named.get(q) ?? q)}`);
    }
    return out.join(' ');
  }

  close(): void {
    this.conn.close();
  }
}
