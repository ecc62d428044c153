// One client connection: bytes in → parser → commands → one batched write per 'data' event.
import type { Socket } from 'node:net';
import { readDirectly } from '../direct-read.ts';
import { executeBinary } from './binary.ts';
import type { CloseReason, ConnectionInfo, ServerContext, Session } from './context.ts';
import { OUTPUT_HIGH_WATER } from './limits.ts';

/** How long one slice of a streamed reply may hold the event loop. */
const STREAM_SLICE_MS = 10;
/**
 * CPU one turn of a read's commands may take before the rest waits for the next turn of the loop (every
 * node shares it): 100,000 pipelined gets, sets or binary quiet gets arrive as 64 KB reads of ~4,000
 * commands, each read run whole held the loop 25-140 ms. memcached, threaded, yields per reqs_per_event.
 */
const TURN_BUDGET_MS = 1;
/** The clock is read every this many requests (a get costs a few µs). */
const TURN_CHECK_EVERY = 8;
const NOTHING = Buffer.alloc(0);
import { Output } from './output.ts';
import type { WorkerThread } from './response-budget.ts';
import { RequestParser, type Request } from './parser.ts';
import { executeText, splitsKeysLater, textDataLength } from './text.ts';
import type { Watcher } from './watch.ts';

export class Connection implements Session {
  readonly out = new Output();
  closing = false;
  closeReason: CloseReason | undefined = undefined;
  authenticated = false;
  lastCommandAt: number;
  private readonly parser: RequestParser;
  private paused = false;
  private requestsThisEvent = 0;
  /** The worker thread whose buffer pool this connection draws on (read_buf_mem_limit). */
  private readonly worker: WorkerThread;
  private holdsReadBuffer = false;
  private drainWaited = false;
  private watcher: Watcher | null = null;
  /** A reply still being produced in slices (metadump); the parser holds later commands meanwhile. */
  private stream: Iterator<string> | null = null;
  private pumping = false;
  /** The commands of the current read stopped for a turn of the loop; the parser holds the rest. */
  private yielded = false;
  /** Reading stopped while the held commands run; picked up again once they have. */
  private yieldPaused = false;
  /** The rest of a command that did not fit in its turn, run before the held commands. */
  private continuation: (() => void) | null = null;
  private turnStartedAt = 0;

  constructor(
    readonly ctx: ServerContext,
    readonly socket: Socket,
    readonly id: number,
  ) {
    this.lastCommandAt = ctx.nowMs();
    this.worker = ctx.workers.assign();
    // The response objects of replies memcached has written (out.responses counts those it has not).
    this.out.onSent = (n) => this.worker.releaseResponses(n);
    // Values up to the item size limit (plus CRLF and binary framing) are buffered; larger ones are skipped.
    const binding = ctx.settings.bindingProtocol;
    this.parser = new RequestParser({
      dataLength: textDataLength,
      maxBuffered: ctx.store.maxItemSize + 1024,
      protocol: binding === 'ascii' ? 'text' : binding === 'binary' ? 'binary' : undefined,
      splitLater: splitsKeysLater,
      onRead: () => this.readAgain(),
    });
    socket.setNoDelay(true);
    const deliver = (chunk: Buffer): void => ctx.network.deliver(socket, () => this.onData(chunk));
    // Read without the Readable stream where the socket allows (see direct-read.ts). The parser keeps
    // parts of what it is given (a partial line, a value still arriving), so it gets bytes of its own.
    if (!readDirectly(socket, (chunk) => deliver(Buffer.from(chunk)))) socket.on('data', deliver);
    socket.on('error', () => socket.destroy());
    // A client hanging up is a normal close, unless we were already closing it for a reason.
    socket.on('end', () => {
      if (!this.closing) this.closeReason ??= 'normal';
    });
    socket.on('close', () => {
      this.releaseReadBuffer();
      this.giveBackResponses();
      if (this.watcher !== null) ctx.watch.watchers.delete(this.watcher);
      ctx.watch.connectionClosed(socket.remoteAddress ?? '', socket.remotePort ?? 0, this.id, this.closeReason ?? 'error');
    });
  }

  startWatching(flags: ReadonlySet<string>): void {
    const socket = this.socket;
    let skipped = 0;
    this.watcher = {
      flags,
      send: (line) => {
        if (socket.destroyed) return;
        // A watcher that stops reading loses lines rather than growing our memory without bound, and
        // is told how many once it catches up, as memcached's logger does.
        if (socket.writableLength >= this.ctx.settings.watcherLogbufSize) {
          skipped++;
          return;
        }
        if (skipped > 0) socket.write(`skipped=${skipped}\n`);
        skipped = 0;
        socket.write(line);
      },
    };
    this.ctx.watch.watchers.add(this.watcher);
  }

  continueLater(step: () => void): void {
    this.continuation = step;
  }

  get writesEarly(): boolean {
    return this.worker.unlimited;
  }

  streamReply(parts: Iterator<string>): void {
    this.stream = parts;
    this.parser.hold();
  }

  /** Writes the streamed reply a slice at a time, yielding the loop between slices and to back-pressure. */
  private pump(): void {
    const socket = this.socket;
    const stream = this.stream;
    if (stream === null || socket.destroyed) {
      this.stream = null;
      this.pumping = false;
      return;
    }
    this.pumping = true;
    const deadline = performance.now() + STREAM_SLICE_MS;
    do {
      const next = stream.next();
      if (next.done === true) {
        this.stream = null;
        this.pumping = false;
        this.parser.release();
        return;
      }
      if (next.value.length > 0) {
        socket.write(next.value, 'latin1');
        this.ctx.store.counters.bytes_written += next.value.length;
      }
      if (socket.writableLength > OUTPUT_HIGH_WATER) {
        socket.once('drain', () => this.pump());
        return;
      }
    } while (performance.now() < deadline);
    setImmediate(() => this.pump());
  }

  info(): ConnectionInfo {
    const s = this.socket;
    return {
      id: this.id,
      remote: `${s.remoteAddress}:${s.remotePort}`,
      local: `${s.localAddress}:${s.localPort}`,
      state: this.paused ? 'conn_mwrite' : 'conn_parse_cmd',
      lastCommandAt: this.lastCommandAt,
    };
  }

  /**
   * memcached has run what its read buffer held and reads again: it writes the replies it has queued,
   * and the requests after the read are a new event's (reqs_per_event counts afresh).
   */
  private readAgain(): void {
    this.countYields();
    this.requestsThisEvent = 0;
    this.out.markSent();
  }

  /** memcached yields to other connections after each reqs_per_event requests of one event when more follow. */
  private countYields(): void {
    this.ctx.store.counters.conn_yields += Math.floor(Math.max(0, this.requestsThisEvent - 1) / this.ctx.settings.reqsPerEvent);
  }

  private readonly handle = (req: Request): boolean => {
    const n = ++this.requestsThisEvent;
    try {
      const more = this.execute(req);
      // memcached writes what it has queued when it yields after reqs_per_event requests (after the
      // 21st, 41st, ... of one read), so a later error that discards unsent replies spares those.
      if (n > 1 && (n - 1) % this.ctx.settings.reqsPerEvent === 0) {
        this.out.markSent();
      }
      if (more && (this.continuation !== null || (n % TURN_CHECK_EVERY === 0 && performance.now() - this.turnStartedAt >= TURN_BUDGET_MS))) {
        this.yielded = true;
        this.parser.hold();
        return false;
      }
      return more;
    } catch {
      // A bug in one command must not take the node down: fail this client the way memcached does
      // for unrecoverable errors, and keep serving the others.
      this.out.text('SERVER_ERROR internal error\r\n');
      this.closing = true;
      return false;
    }
  };

  takeResponse(): boolean {
    if (!this.worker.takeResponse()) {
      this.ctx.store.counters.response_obj_oom++;
      return false;
    }
    this.out.responses++;
    return true;
  }

  releaseResponses(): void {
    this.out.dropUnsent();
    this.giveBackResponses();
  }

  private giveBackResponses(): void {
    this.worker.releaseResponses(this.out.responses);
    this.out.responses = 0;
  }

  private execute(req: Request): boolean {
    switch (req.kind) {
      case 'close':
        // memcached hangs up on an endless line without sending the replies it has queued.
        this.out.dropUnsent();
        this.closing = true;
        return false;
      case 'text':
        // Every command starts a response; with none left memcached closes the connection unanswered.
        if (!this.takeResponse()) {
          this.out.dropUnsent();
          this.closing = true;
          return false;
        }
        // With SASL on, memcached only speaks the binary protocol.
        if (this.ctx.sasl !== undefined) {
          this.closing = true;
          return false;
        }
        executeText(this, req);
        // A watcher reads no more commands; a streamed reply holds them until it is written.
        return !this.closing && this.watcher === null && this.stream === null;
      case 'binary':
        // One response object per binary request, as for a text command.
        if (!this.takeResponse()) {
          this.out.dropUnsent();
          this.closing = true;
          return false;
        }
        if (!executeBinary(this, req)) this.closing = true;
        return !this.closing;
    }
  }

  /** Bytes delivered so far (checkReadEnded tells from it whether more came). */
  private bytesRead = 0;

  private onData(chunk: Buffer): void {
    const ctx = this.ctx;
    this.bytesRead += chunk.length;
    if (this.watcher !== null) return;
    if (this.yielded) {
      // Read before the pause took hold: it waits behind the held commands of the last read.
      ctx.store.counters.bytes_read += chunk.length;
      this.parser.push(chunk, this.handle);
      return;
    }
    ctx.watch.activeFd = this.id;
    const store = ctx.store;
    store.counters.bytes_read += chunk.length;
    this.lastCommandAt = ctx.nowMs();
    this.requestsThisEvent = 0;
    // memcached writes a connection's replies before it reads more: what the last event queued is out.
    this.giveBackResponses();
    // A buffer to read into, held until every byte read has run (a partial line or a value still
    // arriving keeps it); with none left in the thread's pool memcached closes the connection.
    if (!this.holdsReadBuffer) {
      if (!this.worker.takeReadBuffer()) {
        store.counters.read_buf_oom++;
        this.closing = true;
        this.flush();
        return;
      }
      this.holdsReadBuffer = true;
    }
    this.runTurn(chunk);
  }

  /** Runs the read's commands for up to a turn's budget; what is left runs in the next turn of the loop. */
  private runTurn(chunk: Buffer): void {
    const ctx = this.ctx;
    const store = ctx.store;
    this.turnStartedAt = performance.now();
    store.freezeClock(this.lastCommandAt);
    try {
      this.parser.push(chunk, this.handle);
    } finally {
      store.thawClock();
    }
    if (this.yielded) return this.yieldTurn();
    if (this.parser.drained) this.releaseReadBuffer();
    // We run turns by CPU time instead; memcached's count of yields is what stats show.
    this.countYields();
    this.requestsThisEvent = 0;
    this.flush();
    if (this.parser.readingOn) this.checkReadEnded();
    if (this.stream !== null && !this.pumping) this.pump();
    if (this.yieldPaused) {
      this.yieldPaused = false;
      // A client not reading its replies stays paused until they drain (flush's back-pressure).
      if (!this.paused && !this.socket.destroyed) this.socket.resume();
    }
  }

  /**
   * A read of ours ended at 64 KB inside what memcached would take in one read: if no more bytes arrive by
   * the loop's next poll of the socket, the client sent no more, and memcached's read ends there.
   */
  private checkReadEnded(): void {
    const read = this.bytesRead;
    setImmediate(() =>
      setImmediate(() => {
        if (this.socket.destroyed || this.bytesRead !== read || !this.parser.readingOn || this.yielded) return;
        this.parser.endRead();
        this.runTurn(NOTHING);
      }),
    );
  }

  private yieldTurn(): void {
    this.writeSent();
    if (!this.yieldPaused) this.socket.pause();
    this.yieldPaused = true;
    // A command going on in turns (a get's reply written as it goes) waits for a client slow to read it.
    if (this.continuation !== null && this.socket.writableLength > OUTPUT_HIGH_WATER) this.socket.once('drain', this.nextTurn);
    else setImmediate(this.nextTurn);
  }

  private readonly nextTurn = (): void => {
    if (this.socket.destroyed) return;
    const step = this.continuation;
    if (step !== null) {
      this.continuation = null;
      this.turnStartedAt = performance.now();
      const store = this.ctx.store;
      store.freezeClock(this.ctx.nowMs());
      try {
        step();
      } catch {
        this.out.text('SERVER_ERROR internal error\r\n');
        this.closing = true;
      } finally {
        store.thawClock();
      }
      if (this.closing) {
        this.continuation = null;
        this.flush();
        return;
      }
      if (this.continuation !== null) return this.yieldTurn();
    }
    this.yielded = false;
    this.parser.release();
    this.lastCommandAt = this.ctx.nowMs();
    this.runTurn(NOTHING);
  };

  /**
   * Between turns, writes only the replies memcached would have written by now (up to its last
   * reqs_per_event yield): an error later in the read may still discard the others.
   */
  private writeSent(): void {
    const socket = this.socket;
    // Nothing to write: taking the sent part would only copy the unsent replies aside and back.
    if (socket.destroyed || !this.out.hasSent) return;
    let bytes = 0;
    for (const c of this.out.takeSentChunks()) {
      bytes += c.length;
      socket.write(c);
    }
    this.ctx.store.counters.bytes_written += bytes;
  }

  private releaseReadBuffer(): void {
    if (!this.holdsReadBuffer) return;
    this.holdsReadBuffer = false;
    this.worker.releaseReadBuffer();
  }

  private flush(): void {
    const socket = this.socket;
    const waiting = this.parser.midValue || this.parser.readingOn;
    const chunks = this.closing || !waiting ? this.out.takeChunks() : this.out.takeSentChunks();
    if (chunks.length > 0 && !socket.destroyed) {
      let bytes = 0;
      // Corked, several chunks still leave as one writev.
      if (chunks.length > 1) socket.cork();
      for (const c of chunks) {
        bytes += c.length;
        socket.write(c);
      }
      if (chunks.length > 1) socket.uncork();
      this.ctx.store.counters.bytes_written += bytes;
    }
    // Replies the socket took whole are written; others hold their response objects until it drains.
    if (this.out.responses > 0 && !waiting) {
      if (socket.writableLength === 0) this.giveBackResponses();
      else if (!this.drainWaited) {
        this.drainWaited = true;
        socket.once('drain', () => {
          this.drainWaited = false;
          this.giveBackResponses();
        });
      }
    }
    if (this.closing) {
      socket.end();
      socket.destroySoon();
      return;
    }
    // A client that does not read its replies stops being read from; others are unaffected.
    if (!this.paused && socket.writableLength > OUTPUT_HIGH_WATER) {
      this.paused = true;
      socket.pause();
      socket.once('drain', () => {
        this.paused = false;
        socket.resume();
      });
    }
  }
}
