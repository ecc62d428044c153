// memcached -U: the text and binary protocols over UDP, one request per datagram (memcached 1.6.18).
// Only a bare server opens it (adapter, standalone, tests): nodes created through the API never do,
// as ElastiCache's memcached nodes serve no UDP.
//
// memcached serves a UDP port with one connection object per worker thread; ours is one, like
// memcached -t 1, so what one datagram leaves half read is completed by the next one whoever sends it.
import dgram from 'node:dgram';
import net from 'node:net';
import { executeBinary } from './binary.ts';
import type { CloseReason, ServerContext, Session, UdpConnectionInfo } from './context.ts';
import { RequestParser, type Request } from './parser.ts';
import { executeText, textDataLength } from './text.ts';
import { DatagramOutput, requestIdOf, UDP_HEADER_SIZE } from './udp-output.ts';

/**
 * CPU one turn of a datagram's commands may take (a 64 KB datagram carries ~4,600 gets, 20-60 ms run
 * whole): the rest runs in the next turn of the loop, which every node shares.
 */
const TURN_BUDGET_MS = 1;
const TURN_CHECK_EVERY = 8;
/** Datagrams waiting behind one served in turns, as the kernel's receive buffer would hold them. */
const MAX_QUEUED = 1024;
const NOTHING = Buffer.alloc(0);

/** Commands whose response object stays a (sent) empty one rather than a noreply one when nothing is written. */
const EMPTY_IS_A_REPLY = new Set(['get', 'gets', 'gat', 'gats', 'quit']);

/** Where the replies of the request being served go: memcached keeps the first datagram's sender and id. */
interface Requester {
  address: string;
  port: number;
  id: number;
}

/** The one UDP connection object, as a protocol session. */
class DatagramSession implements Session {
  readonly out = new DatagramOutput();
  closing = false;
  closeReason: CloseReason | undefined = undefined;
  authenticated = false;
  /** `watch` or a metadump handed the connection to another thread, which cannot write to a UDP peer. */
  handedOff = false;

  constructor(
    readonly ctx: ServerContext,
    public lastCommandAt: number,
  ) {}

  takeResponse(): boolean {
    this.out.startResponse(false);
    return true;
  }

  releaseResponses(): void {
    this.out.dropUnsent();
    this.out.responses = 0;
  }

  startWatching(): void {
    this.handedOff = true;
  }

  streamReply(): void {
    this.handedOff = true;
  }
}

export class UdpListener {
  private readonly socket: dgram.Socket;
  private readonly session: DatagramSession;
  /** Set while a value is still arriving: the next datagram is read into it raw, header and all. */
  private parser: RequestParser | null = null;
  private requester: Requester = { address: '', port: 0, id: 0 };
  private requests = 0;
  private boundPort = 0;
  private state = 'conn_read';
  /** A datagram's commands are being served in turns; datagrams arriving meanwhile wait in `queued`. */
  private busy = false;
  private yielded = false;
  private turnStartedAt = 0;
  private serving: RequestParser | null = null;
  private readonly queued: [Buffer, dgram.RemoteInfo][] = [];

  constructor(
    private readonly ctx: ServerContext,
    private readonly host: string,
  ) {
    this.session = new DatagramSession(ctx, ctx.nowMs());
    this.socket = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    this.socket.on('message', (msg, rinfo) => this.onDatagram(msg, rinfo));
  }

  get port(): number {
    return this.boundPort;
  }

  /** Binds `port` (0: an ephemeral one); resolves with the port bound. */
  listen(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.socket.once('error', onError);
      this.socket.bind(port, this.host, () => {
        this.socket.off('error', onError);
        // A send to a peer that has gone is not the server's problem.
        this.socket.on('error', () => undefined);
        this.boundPort = this.socket.address().port;
        resolve(this.boundPort);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      try {
        this.socket.close(() => resolve());
      } catch {
        resolve(); // never bound, or already closed
      }
    });
  }

  connections(id: number): UdpConnectionInfo[] {
    const local = `${this.host}:${this.boundPort}`;
    const { address, port } = this.requester;
    const remote = this.state === 'conn_read' ? null : `${address}:${port}`;
    return [{ id, local, remote, state: this.state, lastCommandAt: this.session.lastCommandAt }];
  }

  private onDatagram(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (this.busy || this.queued.length > 0) {
      if (this.queued.length < MAX_QUEUED) this.queued.push([msg, rinfo]);
      return;
    }
    this.serve(msg, rinfo);
  }

  private readonly nextQueued = (): void => {
    if (this.busy) return;
    const next = this.queued.shift();
    if (next === undefined) return;
    this.serve(next[0], next[1]);
    // A datagram dropped unread (too short, no header) leaves the queue to go on from here.
    if (!this.busy && this.queued.length > 0) setImmediate(this.nextQueued);
  };

  private serve(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const counters = this.ctx.store.counters;
    const s = this.session;
    let parser = this.parser;
    this.state = 'conn_parse_cmd';
    if (parser !== null) {
      // memcached read()s what the value lacks from the socket: the datagram is taken as value bytes,
      // its header included, and whatever of it is beyond what was lacking is lost.
      const raw = msg.subarray(0, rawReadSize(parser));
      counters.bytes_read += raw.length;
      this.runTurn(parser, raw);
    } else {
      this.state = 'conn_read';
      if (msg.length <= UDP_HEADER_SIZE) return;
      counters.bytes_read += msg.length;
      const id = requestIdOf(msg);
      if (id === null) return;
      this.state = 'conn_parse_cmd';
      this.requester = { address: rinfo.address, port: rinfo.port, id };
      // Each datagram is a request of its own: its first byte says which protocol, and a line it
      // leaves unfinished is overwritten by the next datagram.
      parser = new RequestParser({ dataLength: textDataLength, maxBuffered: this.ctx.store.maxItemSize + 1024 });
      s.closing = false;
      s.handedOff = false;
      s.lastCommandAt = this.ctx.nowMs();
      this.requests = 0;
      this.runTurn(parser, msg.subarray(UDP_HEADER_SIZE));
    }
  }

  /** Serves the datagram's commands for up to a turn's budget; the rest, and its replies, in later turns. */
  private runTurn(parser: RequestParser, chunk: Buffer): void {
    const s = this.session;
    this.busy = true;
    this.serving = parser;
    this.turnStartedAt = performance.now();
    parser.push(chunk, this.handle);
    if (this.yielded) {
      setImmediate(() => {
        this.yielded = false;
        parser.release();
        this.runTurn(parser, NOTHING);
      });
      return;
    }
    this.busy = false;
    const waiting = !s.closing && !s.handedOff && rawReadSize(parser) > 0;
    this.parser = waiting ? parser : null;
    this.state = !waiting ? 'conn_read' : parser.swallowing ? 'conn_swallow' : 'conn_nread';
    if (s.handedOff) s.out.dropUnsent();
    this.send(s.out.takeDatagrams(this.requester.id, !waiting));
    if (this.queued.length > 0) setImmediate(this.nextQueued);
  }

  private readonly handle = (req: Request): boolean => {
    const s = this.session;
    const n = ++this.requests;
    try {
      this.execute(req);
    } catch {
      // As on a TCP connection: a bug in one command fails this request, never the node.
      s.out.text('SERVER_ERROR internal error\r\n');
      s.closing = true;
    }
    s.lastCommandAt = this.ctx.nowMs();
    // memcached writes what it has queued each time it yields after reqs_per_event requests.
    if (n > 1 && (n - 1) % this.ctx.settings.reqsPerEvent === 0) s.out.markSent();
    const more = !s.closing && !s.handedOff;
    if (more && n % TURN_CHECK_EVERY === 0 && performance.now() - this.turnStartedAt >= TURN_BUDGET_MS) {
      this.yielded = true;
      this.serving?.hold();
      return false;
    }
    return more;
  };

  private execute(req: Request): void {
    const s = this.session;
    switch (req.kind) {
      case 'close':
        s.out.dropUnsent();
        s.closing = true;
        return;
      case 'text':
        s.out.startResponse(!EMPTY_IS_A_REPLY.has(req.tokens[0] ?? ''));
        executeText(s, req);
        return;
      case 'binary':
        s.out.startResponse(false);
        if (!executeBinary(s, req)) s.closing = true;
    }
  }

  private send(datagrams: Buffer[]): void {
    const { address, port } = this.requester;
    for (const d of datagrams) {
      try {
        this.socket.send(d, port, address);
      } catch {
        return; // a sender no reply can reach (port 0): memcached's sendmsg fails the same way
      }
      this.ctx.store.counters.bytes_written += d.length;
    }
  }
}

/**
 * What memcached read()s from the socket for the request left unfinished, 0 for none: the rest of a
 * value. A binary request lacking part of its extras or key is waited for in the read buffer
 * instead, which the next datagram overwrites.
 */
function rawReadSize(parser: RequestParser): number {
  const awaiting = parser.awaiting;
  const header = parser.pendingBinaryHeader;
  if (header === null) return awaiting;
  const value = header.readUInt32BE(8) - header.readUInt16BE(2) - header[4]!;
  return awaiting > value ? 0 : awaiting;
}
