import net from 'node:net';
import { RespParser } from '../../engines/redis/light.ts';
import { connectHost } from '../config.ts';
import type { Scope } from '../store/records.ts';
import type { World } from '../world.ts';

/**
 * Online migration from a self-hosted Redis: we connect to it as a replica (PSYNC), load the RDB it
 * sends into our primary, then replay its replication stream into our primary as a client would.
 * Works against real redis-server; the target sees the source's writes within moments.
 *
 * The stream is read with the engine's own request parser, and the source is read no faster than the
 * target takes commands: while the target's socket buffer is full the source is paused, so a source
 * writing faster than our node applies piles up in the source's replica output buffer (where Redis
 * bounds it), not in this process.
 */
export class MigrationLink {
  private source: net.Socket | undefined;
  private target: net.Socket | undefined;
  private phase: 'handshake' | 'fullresync' | 'rdb' | 'stream' = 'handshake';
  /** Reply line being gathered during the handshake (a few bytes; a chunk may end mid-line). */
  private line = Buffer.alloc(0);
  /** Sent one at a time: Redis refuses PSYNC while replies to earlier commands are still queued. */
  private handshake: string[][] = [];
  private rdbLength = -1;
  /** The RDB's parts as they arrive, joined once when the last one is in. */
  private rdbParts: Buffer[] = [];
  private rdbHave = 0;
  private readonly parser = new RespParser();
  /** Replication offset: stream bytes consumed, acknowledged to the source. */
  private offset = 0;
  private ackTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly sourceHost: string,
    private readonly sourcePort: number,
    /** Where this process reaches its own nodes (the --host it listens on). */
    private readonly targetHost: string,
    private readonly targetPort: number,
    private readonly loadRdb: (rdb: Buffer) => void,
    private readonly onError: (message: string) => void,
  ) {}

  start(): void {
    const source = net.connect({ host: this.sourceHost, port: this.sourcePort });
    this.source = source;
    source.setNoDelay(true);
    source.on('connect', () => {
      // Without "capa eof" the source sends a length-prefixed RDB even when it is set for diskless sync.
      this.handshake = [['REPLCONF', 'listening-port', String(this.targetPort)], ['REPLCONF', 'capa', 'psync2'], ['PSYNC', '?', '-1']];
      source.write(encodeCommand(['PING']));
    });
    source.on('data', (chunk: Buffer) => {
      try {
        this.receive(chunk);
      } catch (err) {
        this.fail(err instanceof Error ? err.message : String(err));
      }
    });
    source.on('error', (err) => this.fail(`source ${this.sourceHost}:${this.sourcePort}: ${err.message}`));
    source.on('close', () => {
      if (!this.closed) this.fail(`the source ${this.sourceHost}:${this.sourcePort} closed the replication link`);
    });
  }

  /** Whether the source is paused because the target has not taken what was already sent (for tests). */
  get holdingSource(): boolean {
    return this.source?.isPaused() ?? false;
  }

  private receive(chunk: Buffer): void {
    let rest: Buffer = chunk;
    while (rest.length > 0 && !this.closed) {
      if (this.phase === 'handshake' || this.phase === 'fullresync') rest = this.handshakeLine(rest);
      else if (this.phase === 'rdb') rest = this.rdbBytes(rest);
      else return this.stream(rest);
    }
  }

  /** Consumes up to one reply line of the handshake; answers the bytes after it. */
  private handshakeLine(chunk: Buffer): Buffer {
    const eol = chunk.indexOf(0x0a);
    if (eol < 0) {
      this.line = Buffer.concat([this.line, chunk]);
      if (this.line.length > 4096) throw new Error('the source sent an over-long handshake reply');
      return Buffer.alloc(0);
    }
    const text = Buffer.concat([this.line, chunk.subarray(0, eol)]).toString('latin1').replace(/\r$/, '');
    this.line = Buffer.alloc(0);
    const rest = chunk.subarray(eol + 1);
    // The source may send bare newlines to keep the link alive while it prepares the RDB.
    if (text === '') return rest;
    if (text.startsWith('-')) throw new Error(`the source refused replication: ${text.slice(1)}`);
    if (this.phase === 'handshake') {
      this.source!.write(encodeCommand(this.handshake.shift()!));
      if (this.handshake.length === 0) this.phase = 'fullresync';
      return rest;
    }
    if (this.rdbLength < 0 && text.startsWith('$')) {
      if (!/^\$\d+$/.test(text)) throw new Error(`unexpected RDB header from the source: ${text}`);
      this.rdbLength = Number(text.slice(1));
      this.phase = 'rdb';
      return rest;
    }
    const m = /^\+FULLRESYNC \S+ (\d+)$/.exec(text);
    if (!m) throw new Error(`unexpected reply to PSYNC: ${text}`);
    this.offset = Number(m[1]);
    // The next line is the RDB's length header, read by this same method.
    return rest;
  }

  private rdbBytes(chunk: Buffer): Buffer {
    const take = Math.min(chunk.length, this.rdbLength - this.rdbHave);
    this.rdbParts.push(chunk.subarray(0, take));
    this.rdbHave += take;
    if (this.rdbHave < this.rdbLength) return Buffer.alloc(0);
    const rdb = Buffer.concat(this.rdbParts, this.rdbLength);
    this.rdbParts = [];
    this.loadRdb(rdb);
    this.openTarget();
    this.phase = 'stream';
    return chunk.subarray(take);
  }

  /** The replication stream is ordinary commands: our primary executes them as a client would. */
  private stream(chunk: Buffer): void {
    const commands: string[][] = [];
    this.parser.feed(chunk, commands, STREAM_LIMITS);
    this.offset += chunk.length;
    const out: Buffer[] = [];
    for (const args of commands) {
      if (args[0]?.toUpperCase() === 'REPLCONF') {
        // REPLCONF GETACK is for us, not the target: answer with the offset now.
        if (args[1]?.toUpperCase() === 'GETACK') this.acknowledge();
        continue;
      }
      out.push(encodeCommand(args));
    }
    if (out.length === 0) return;
    const target = this.target!;
    if (!target.write(out.length === 1 ? out[0]! : Buffer.concat(out)) && !this.source!.isPaused()) {
      this.source!.pause();
      target.once('drain', () => {
        if (!this.closed) this.source?.resume();
      });
    }
  }

  private acknowledge(): void {
    this.source?.write(encodeCommand(['REPLCONF', 'ACK', String(this.offset)]));
  }

  private openTarget(): void {
    const target = net.connect({ host: this.targetHost, port: this.targetPort });
    this.target = target;
    // Replies are not needed, but they are read so the target never blocks on writing them.
    target.on('data', () => undefined);
    target.on('error', (err) => this.fail(`target node: ${err.message}`));
    target.on('close', () => {
      if (!this.closed) this.fail('the target node closed the connection');
    });
    // Sources drop replicas that stay silent for repl-timeout; acknowledge the offset every second.
    this.ackTimer = setInterval(() => this.acknowledge(), 1000);
    this.ackTimer.unref();
  }

  private fail(message: string): void {
    if (this.closed) return;
    this.stop();
    this.onError(message);
  }

  stop(): void {
    this.closed = true;
    if (this.ackTimer) clearInterval(this.ackTimer);
    this.source?.destroy();
    this.target?.destroy();
  }
}

/** The source is a server we replicate from on purpose: its bulks may be as large as Redis allows. */
const STREAM_LIMITS = { maxBulkLen: 512 * 1024 * 1024, authenticated: true };

function encodeCommand(args: string[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`, 'latin1')];
  for (const a of args) parts.push(Buffer.from(`$${a.length}\r\n${a}\r\n`, 'latin1'));
  return Buffer.concat(parts);
}

/** Connects and PINGs, as TestMigration checks that the source is reachable and open. */
export function probeSource(host: string, port: number, timeoutMs = 3000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const timer = setTimeout(() => {
      s.destroy();
      resolve(`no answer from ${host}:${port} within ${timeoutMs} ms`);
    }, timeoutMs);
    s.on('connect', () => s.write('PING\r\n'));
    s.once('data', (d) => {
      clearTimeout(timer);
      s.destroy();
      const reply = d.toString('latin1');
      resolve(reply.startsWith('+PONG') ? undefined : `the source answered ${reply.trim()}`);
    });
    s.on('error', (err) => {
      clearTimeout(timer);
      resolve(`${host}:${port}: ${err.message}`);
    });
  });
}

/** Starts (or restarts after an emulator restart) the replication link of a migrating group. */
export function startMigrationLink(world: World, scope: Scope, groupId: string): void {
  const group = world.resources.get(scope, 'replication-group', groupId);
  if (!group?.migration) return;
  const primaryKey = world.runtime.nodeKey(scope, group.primaryClusterId, '0001');
  const port = world.runtime.nodePort(scope, group.primaryClusterId, '0001');
  if (port === undefined) return;
  const link = new MigrationLink(
    group.migration.address,
    group.migration.port,
    connectHost(world.config),
    port,
    (rdb) => world.runtime.nodes.restore(primaryKey, [rdb]),
    (message) => world.event(scope, 'replication-group', groupId, `Migration from ${group.migration!.address}:${group.migration!.port} interrupted: ${message}`),
  );
  world.runtime.trackMigration(scope, groupId, link);
  link.start();
}

