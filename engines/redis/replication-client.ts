// The replica's end of Redis's replication protocol, as a 7.0 replica speaks it to its primary: PING,
// AUTH (when a password is given), REPLCONF listening-port (and ip-address), REPLCONF capa eof capa psync2,
// PSYNC <id> <offset>; then a +FULLRESYNC's RDB (length-prefixed, or EOF-marked when the primary sends it
// diskless) or a +CONTINUE, and the command stream, handed over one whole command at a time with its bytes
// (their length is what the replication offset counts). Used by a bare engine following a server of another
// process (network-replica.ts) and by online migration from a self-hosted Redis (src/lifecycle/migration.ts).
import net from 'node:net';
import { LinkInput } from './link-input.ts';

export interface ReplicationHello {
  /** The port the replica says it listens on (REPLCONF listening-port). */
  listeningPort: number;
  /** REPLCONF ip-address, when one is announced. */
  announceIp?: string;
  /** AUTH [user] password, sent when a password is given. */
  auth?: { user: string; password: string };
  /** What PSYNC offers: the replication ID and the first offset the replica lacks ('?' and -1 ask for a full sync). */
  psync: () => [id: string, offset: number];
}

export interface ReplicationHooks {
  /** +FULLRESYNC came: the payload is on its way. */
  transfer?(): void;
  /** +FULLRESYNC's dataset; false once loaded means the link is no longer wanted. */
  fullSync(rdb: Buffer, id: string, offset: number): Promise<boolean> | boolean;
  /** +CONTINUE: the stream goes on from the offset offered, under `id` when the primary named one. */
  continued(id: string | null): void;
  /** One command of the stream and its bytes (their length is what the offset counts; a replica relays them). */
  command(args: string[], raw: Buffer): void;
  /** The link ended (closed, refused, an error), with why; not called after close(). */
  ended(why: string): void;
}

export class ReplicationClient {
  private readonly socket: net.Socket;
  private readonly input = new LinkInput();
  private streaming = false;
  /** Bytes the next command needs before it is worth parsing again. */
  private need = 1;
  private done = false;
  /** When the primary last sent anything (Date.now()), for repl-timeout. */
  lastIo = Date.now();

  constructor(
    host: string,
    port: number,
    private readonly hello: ReplicationHello,
    private readonly hooks: ReplicationHooks,
  ) {
    const s = net.connect({ host, port });
    this.socket = s;
    s.setNoDelay(true);
    s.on('data', (d: Buffer) => {
      this.lastIo = Date.now();
      this.input.push(d);
      if (this.streaming) this.readStream();
    });
    s.on('error', (err) => this.end(err.message));
    s.on('close', () => this.end('the primary closed the replication link'));
    s.on('connect', () => {
      this.handshake().catch((err: unknown) => this.end(err instanceof Error ? err.message : String(err)));
    });
  }

  /** Sends REPLCONF ACK: the offset the replica processed. */
  ack(offset: number): void {
    if (!this.done) this.socket.write(encodeCommand(['REPLCONF', 'ACK', String(offset)]));
  }

  /** Stops reading (the primary's output buffer for this replica holds the rest), or starts again. */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /** This end's address, as the primary's CLIENT LIST names its replica. */
  get localAddress(): string {
    return `${this.socket.localAddress ?? '127.0.0.1'}:${this.socket.localPort ?? 0}`;
  }

  get paused(): boolean {
    return this.socket.isPaused();
  }

  close(): void {
    this.done = true;
    this.input.close();
    this.socket.destroy();
  }

  private end(why: string): void {
    if (this.done) return;
    this.close();
    this.hooks.ended(why);
  }

  private async ask(args: string[]): Promise<string> {
    this.socket.write(encodeCommand(args));
    return this.input.line();
  }

  private async handshake(): Promise<void> {
    const pong = await this.ask(['PING']);
    // A primary that wants AUTH first says so to PING: 7.0 goes on to authenticate.
    if (pong.startsWith('-') && !/^-(NOAUTH|NOPERM|ERR operation not permitted)/.test(pong)) throw new Error(`the primary refused replication: ${pong.slice(1)}`);
    const auth = this.hello.auth;
    if (auth !== undefined) {
      const ok = await this.ask(auth.user !== '' ? ['AUTH', auth.user, auth.password] : ['AUTH', auth.password]);
      if (ok.startsWith('-')) throw new Error(`the primary refused replication: ${ok.slice(1)}`);
    }
    // Replies to REPLCONF are not checked: a primary too old to know an option still replicates, as 7.0 allows.
    await this.ask(['REPLCONF', 'listening-port', String(this.hello.listeningPort)]);
    if (this.hello.announceIp !== undefined) await this.ask(['REPLCONF', 'ip-address', this.hello.announceIp]);
    await this.ask(['REPLCONF', 'capa', 'eof', 'capa', 'psync2']);
    const [id, offset] = this.hello.psync();
    const reply = await this.ask(['PSYNC', id, String(offset)]);
    if (reply.startsWith('+CONTINUE')) {
      this.hooks.continued(reply.split(' ')[1] ?? null);
      return this.startStream();
    }
    const full = /^\+FULLRESYNC (\S+) (\d+)$/.exec(reply);
    if (full === null) throw new Error(reply.startsWith('-') ? `the primary refused replication: ${reply.slice(1)}` : `unexpected reply to PSYNC: ${reply}`);
    this.hooks.transfer?.();
    const rdb = await this.payload();
    if (this.done) return;
    if (!(await this.hooks.fullSync(rdb, full[1] as string, Number(full[2])))) return this.close();
    if (!this.done) this.startStream();
  }

  /** The RDB of a full sync: `$<length>` then the bytes, or `$EOF:<mark>` then the bytes and the mark again. */
  private async payload(): Promise<Buffer> {
    const head = await this.input.line();
    if (head.startsWith('$EOF:')) return this.input.untilMark(Buffer.from(head.slice(5), 'latin1'));
    if (!/^\$\d+$/.test(head)) throw new Error(`unexpected RDB header from the primary: ${head}`);
    return this.input.bytes(Number(head.slice(1)));
  }

  private startStream(): void {
    this.streaming = true;
    this.readStream();
  }

  /** Hands over every whole command buffered. */
  private readStream(): void {
    const input = this.input;
    if (input.held < this.need) return;
    const buf = input.joined();
    let at = 0;
    this.need = 1;
    while (at < buf.length && !this.done) {
      if (buf[at] !== 42) {
        // Not a command (a stray newline): skipped, and counted, as the primary counted it.
        const nl = buf.indexOf(10, at);
        if (nl < 0) break;
        this.hooks.command([], buf.subarray(at, nl + 1));
        at = nl + 1;
        continue;
      }
      const cmd = parseCommand(buf, at);
      if ('needs' in cmd) {
        this.need = cmd.needs - at;
        break;
      }
      this.hooks.command(cmd.args, buf.subarray(at, cmd.end));
      at = cmd.end;
    }
    if (!this.done) input.consume(at);
  }
}

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

export function encodeCommand(args: readonly string[]): Buffer {
  let s = `*${args.length}\r\n`;
  for (const a of args) s += `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`;
  return Buffer.from(s, 'latin1');
}
