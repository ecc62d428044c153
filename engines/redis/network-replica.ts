// REPLICAOF an address no engine of this process serves: a redis-server, or an engine in another process.
// A bare engine follows it over Redis's own replication protocol, as a 7.0 replica does: it connects,
// says PING, AUTH (masteruser/masterauth), REPLCONF listening-port and capa eof psync2, then PSYNC with
// the replication ID and offset it has (its own at first, so a primary that never fed it counts a refused
// partial sync). A +FULLRESYNC brings an RDB (length-prefixed, or EOF-marked when diskless) that replaces
// the dataset; +CONTINUE keeps it. Then the primary's command stream runs through the handlers on a
// client of the primary's own (no READONLY, no replies), MULTI/EXEC applied whole at EXEC, REPLCONF
// GETACK answered, an ACK every second. A broken link is retried every second with PSYNC from where the
// stream stopped, so the primary continues it from its backlog. Until the link is up the engine keeps its
// data, refuses writes as a read-only replica, reports its link down and, under replica-serve-stale-data
// no, answers MASTERDOWN. A stand-in engine carries the address for INFO and ROLE.
import net from 'node:net';
import { Client, discardingConn } from './client.ts';
import type { Client as ClientType } from './client.ts';
import { Engine } from './engine.ts';
import { loadFullSliced } from './replication-port.ts';
import { replIdOf, setReplId, shiftReplId } from './repl-id.ts';
import { streamOffsetOf } from './repl-backlog.ts';
import { LinkInput } from './link-input.ts';

/** The link of each stand-in primary. */
const links = new WeakMap<Engine, NetworkLink>();

export function followAddress(c: ClientType, host: string, port: number): void {
  const e = c.engine;
  const address = `${host}:${port}`;
  const current = e.replication.primary;
  if (current !== null && links.has(current) && current.address === address) return c.w.simple('OK Already connected to specified master');
  e.replicaOf(null);
  // Not started: it runs no cron and holds nothing but the address.
  const standIn = new Engine({ clock: e.clock, mode: e.mode, version: e.version });
  standIn.address = address;
  e.replication.primary = standIn;
  e.replication.linkLost();
  const link = new NetworkLink(e, standIn, host, port);
  links.set(standIn, link);
  standIn.onLetGo = () => link.stop();
  c.w.ok();
}

/**
 * REPLICAOF NO ONE on a replica of an address: as 7.0's replicationUnsetMaster, the stream it followed
 * becomes replid2 (a sibling could continue from it up to here) and a new history begins.
 */
export function promoteFromAddress(e: Engine): void {
  const current = e.replication.primary;
  if (current === null || !links.has(current)) return e.replicaOf(null);
  e.replicaOf(null);
  shiftReplId(e, e.replication.offset + streamOffsetOf(e) + 1);
}

type State = 'idle' | 'handshake' | 'transfer' | 'stream';

/**
 * One `*N` command of the stream at `at`: its arguments and where it ends, or how many bytes of `buf` it
 * needs at least before it can be whole (a big value is waited for, not parsed again with every chunk).
 */
function parseCommand(buf: Buffer, at: number): { args: string[]; end: number } | { needs: number } {
  const nl = buf.indexOf(10, at);
  if (nl < 0) return { needs: buf.length + 1 };
  const n = Number(buf.latin1Slice(at + 1, nl - 1));
  let pos = nl + 1;
  const args: string[] = [];
  for (let i = 0; i < n; i++) {
    const lineEnd = buf.indexOf(10, pos);
    if (lineEnd < 0) return { needs: buf.length + 1 };
    const len = Number(buf.latin1Slice(pos + 1, lineEnd - 1));
    const start = lineEnd + 1;
    if (buf.length < start + len + 2) return { needs: start + len + 2 };
    args.push(buf.latin1Slice(start, start + len));
    pos = start + len + 2;
  }
  return { args, end: pos };
}

function encode(args: readonly string[]): Buffer {
  let s = `*${args.length}\r\n`;
  for (const a of args) s += `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`;
  return Buffer.from(s, 'latin1');
}

class NetworkLink {
  private socket: net.Socket | null = null;
  private state: State = 'idle';
  private input = new LinkInput();
  /** Bytes the stream's next command needs before it is worth parsing again. */
  private need = 1;
  /** The stream this engine continues: the primary's replication ID, and the offset it processed. */
  private replId: string;
  private offset: number;
  private readonly master: Client;
  /** Commands of a MULTI not yet ended by its EXEC. */
  private multi: string[][] | null = null;
  private lastIo = 0;
  private readonly cron: NodeJS.Timeout;
  private stopped = false;
  private applying = false;

  constructor(
    private readonly e: Engine,
    private readonly standIn: Engine,
    private readonly host: string,
    private readonly port: number,
  ) {
    // As 7.0's replicationCacheMasterUsingMyself: the first PSYNC offers this engine's own history.
    this.replId = replIdOf(e);
    this.offset = e.replication.offset + streamOffsetOf(e);
    this.master = new Client(e, 0, discardingConn(`${host}:${port}`, '127.0.0.1:0'));
    this.master.authenticated = true;
    this.cron = setInterval(() => this.tick(), 1000);
    this.cron.unref();
    setImmediate(() => this.connect());
  }

  private following(): boolean {
    return !this.stopped && this.e.replication.primary === this.standIn;
  }

  /** REPLICAOF elsewhere, NO ONE, or the engine stopped: the link closes; the engine keeps the offset it reached. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.cron);
    this.socket?.destroy();
    this.socket = null;
    this.e.replication.offset = this.offset - streamOffsetOf(this.e);
  }

  /** Once a second, as replicationCron: connect when down, ACK when streaming, give up a silent link after repl-timeout. */
  private tick(): void {
    if (!this.following()) return this.stop();
    if (this.state === 'idle') return this.connect();
    if (this.state !== 'stream') return;
    const timeout = Number(this.e.config.get('repl-timeout') ?? 60) * 1000;
    if (Date.now() - this.lastIo > timeout) return this.drop();
    this.ack();
  }

  private ack(): void {
    this.socket?.write(encode(['REPLCONF', 'ACK', String(this.offset)]));
  }

  private connect(): void {
    if (!this.following() || this.state !== 'idle') return;
    this.state = 'handshake';
    const input = new LinkInput();
    this.input = input;
    this.need = 1;
    const s = net.connect(this.port, this.host);
    this.socket = s;
    s.on('data', (d: Buffer) => {
      if (this.socket !== s) return;
      this.lastIo = Date.now();
      input.push(d);
      if (this.state === 'stream') this.applyStream();
    });
    s.on('error', () => undefined);
    s.on('close', () => {
      if (this.socket === s) this.drop();
    });
    s.on('connect', () => {
      this.handshake(s).catch(() => {
        if (this.socket === s) this.drop();
      });
    });
  }

  /** The link went: retried at the next tick, from the offset processed so far. */
  private drop(): void {
    const s = this.socket;
    this.socket = null;
    this.state = 'idle';
    // A transaction cut short is dropped, as 7.0 discards a cached master's: it comes again from its MULTI.
    this.multi = null;
    this.input.close();
    s?.destroy();
    if (this.e.replication.linkUp) this.e.replication.linkLost();
  }

  private async ask(s: net.Socket, args: string[]): Promise<string> {
    s.write(encode(args));
    return this.input.line();
  }

  private async handshake(s: net.Socket): Promise<void> {
    const pong = await this.ask(s, ['PING']);
    // A primary that wants AUTH first says so to PING: 7.0 goes on to authenticate.
    if (pong.startsWith('-') && !/^-(NOAUTH|NOPERM|ERR operation not permitted)/.test(pong)) throw new Error(pong);
    const pass = this.e.config.get('masterauth') ?? '';
    if (pass !== '') {
      const user = this.e.config.get('masteruser') ?? '';
      const ok = await this.ask(s, user !== '' ? ['AUTH', user, pass] : ['AUTH', pass]);
      if (ok.startsWith('-')) throw new Error(ok);
    }
    const announced = Number(this.e.config.get('replica-announce-port') ?? 0) || this.e.config.port;
    await this.ask(s, ['REPLCONF', 'listening-port', String(announced)]);
    const ip = this.e.config.get('replica-announce-ip') ?? '';
    if (ip !== '') await this.ask(s, ['REPLCONF', 'ip-address', ip]);
    await this.ask(s, ['REPLCONF', 'capa', 'eof', 'capa', 'psync2']);
    const reply = await this.ask(s, ['PSYNC', this.replId, String(this.offset + 1)]);
    if (reply.startsWith('+CONTINUE')) {
      const id = reply.split(' ')[1];
      if (id !== undefined && id !== this.replId) this.replId = id;
      setReplId(this.e, this.replId);
      return this.streaming();
    }
    const full = /^\+FULLRESYNC ([0-9a-fA-F]{40}) (\d+)$/.exec(reply);
    if (full === null) throw new Error(reply);
    this.state = 'transfer';
    const rdb = await this.payload();
    const live = () => this.socket === s && this.following();
    if (!(await loadFullSliced(this.e, rdb, live))) throw new Error('load cancelled');
    this.replId = full[1] as string;
    this.offset = Number(full[2]);
    setReplId(this.e, this.replId);
    this.master.dbIndex = 0;
    this.streaming();
  }

  /** The RDB of a full sync: `$<length>` then the bytes, or `$EOF:<mark>` then the bytes and the mark again (diskless). */
  private async payload(): Promise<Buffer> {
    const head = await this.input.line();
    if (!head.startsWith('$')) throw new Error(head);
    if (head.startsWith('$EOF:')) return this.input.untilMark(Buffer.from(head.slice(5), 'latin1'));
    return this.input.bytes(Number(head.slice(1)));
  }

  private streaming(): void {
    this.state = 'stream';
    this.e.replication.linkUp = true;
    this.e.replication.offset = this.offset;
    this.ack();
    this.applyStream();
  }

  /** Runs every whole command buffered; a script running on this replica is atomic, so the stream waits for it. */
  private applyStream(): void {
    if (this.applying || this.state !== 'stream') return;
    if (this.e.scripting.running !== null) {
      this.applying = true;
      setTimeout(() => {
        this.applying = false;
        this.applyStream();
      }, 1).unref();
      return;
    }
    const input = this.input;
    if (input.held < this.need) return;
    const buf = input.joined();
    let at = 0;
    this.need = 1;
    while (at < buf.length && this.state === 'stream' && this.input === input) {
      if (buf[at] !== 42) {
        // Not a command (a stray newline): skipped, and counted, as the primary counted it.
        const nl = buf.indexOf(10, at);
        if (nl < 0) break;
        this.offset += nl + 1 - at;
        at = nl + 1;
        continue;
      }
      const cmd = parseCommand(buf, at);
      if ('needs' in cmd) {
        this.need = cmd.needs - at;
        break;
      }
      this.run(cmd.args, cmd.end - at);
      at = cmd.end;
    }
    if (this.input === input) input.consume(at);
    this.e.replication.offset = this.offset;
  }

  /** One command of the stream; the offset moves past it once it ran (inside MULTI: at its EXEC, as 7.0's reploff). */
  private run(args: string[], length: number): void {
    const name = (args[0] ?? '').toLowerCase();
    if (this.multi !== null) {
      this.multiBytes += length;
      if (name !== 'exec' && name !== 'discard') {
        this.multi.push(args);
        return;
      }
      const queued = this.multi;
      this.multi = null;
      if (name === 'exec') for (const q of queued) this.replay(q);
      this.offset += this.multiBytes;
      return;
    }
    if (name === 'multi') {
      this.multi = [];
      this.multiBytes = length;
      return;
    }
    // The ACK tells the offset before the GETACK itself.
    if (name === 'replconf' && (args[1] ?? '').toLowerCase() === 'getack') this.ack();
    else if (name !== 'ping') this.replay(args);
    this.offset += length;
  }

  /** The bytes of the MULTI being gathered, counted at its EXEC. */
  private multiBytes = 0;

  private replay(args: string[]): void {
    const e = this.e;
    const def = e.lookup(args[0] as string);
    if (def === undefined) return;
    const link = this.master;
    const mark = link.w.mark;
    const current = e.currentClient;
    e.currentClient = null;
    try {
      def.handler(link, args);
    } catch {
      // The primary ran it; an error here (a key type this engine sees otherwise) has no one to tell.
    }
    e.currentClient = current;
    link.w.rewind(mark);
  }
}
