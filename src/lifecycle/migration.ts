import net from 'node:net';
import { connectHost } from '../config.ts';
import type { Scope } from '../store/records.ts';
import type { World } from '../world.ts';

/**
 * Online migration from a self-hosted Redis: we connect to it as a replica (PSYNC), load the RDB it
 * sends into our primary, then replay its replication stream into our primary as a client would.
 * Works against real redis-server; the target sees the source's writes within moments.
 */
export class MigrationLink {
  private source: net.Socket | undefined;
  private target: net.Socket | undefined;
  private buffer = Buffer.alloc(0);
  private phase: 'handshake' | 'fullresync' | 'rdb' | 'stream' = 'handshake';
  /** Sent one at a time: Redis refuses PSYNC while replies to earlier commands are still queued. */
  private handshake: string[][] = [];
  private rdbLength = -1;
  private eofMark: Buffer | undefined;
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
      source.write(encode(['PING']));
    });
    source.on('data', (chunk) => {
      this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
      try {
        this.advance();
      } catch (err) {
        this.fail(err instanceof Error ? err.message : String(err));
      }
    });
    source.on('error', (err) => this.fail(`source ${this.sourceHost}:${this.sourcePort}: ${err.message}`));
    source.on('close', () => {
      if (!this.closed) this.fail(`the source ${this.sourceHost}:${this.sourcePort} closed the replication link`);
    });
  }

  private advance(): void {
    for (;;) {
      if (this.phase === 'handshake' || this.phase === 'fullresync') {
        const eol = this.buffer.indexOf('\r\n');
        if (eol < 0) return;
        const line = this.buffer.subarray(0, eol).toString('latin1');
        this.buffer = this.buffer.subarray(eol + 2);
        if (line.startsWith('-')) throw new Error(`the source refused replication: ${line.slice(1)}`);
        if (this.phase === 'handshake') {
          const next = this.handshake.shift()!;
          this.source!.write(encode(next));
          if (this.handshake.length === 0) this.phase = 'fullresync';
          continue;
        }
        const m = /^\+FULLRESYNC \S+ (\d+)$/.exec(line);
        if (!m) throw new Error(`unexpected reply to PSYNC: ${line}`);
        this.offset = Number(m[1]);
        this.phase = 'rdb';
        continue;
      }
      if (this.phase === 'rdb') {
        if (this.rdbLength < 0 && !this.eofMark) {
          // The source may send newlines to keep the link alive while it prepares the RDB.
          while (this.buffer[0] === 0x0a) this.buffer = this.buffer.subarray(1);
          const eol = this.buffer.indexOf('\r\n');
          if (eol < 0) return;
          const header = this.buffer.subarray(0, eol).toString('latin1');
          this.buffer = this.buffer.subarray(eol + 2);
          if (header.startsWith('$EOF:')) this.eofMark = Buffer.from(header.slice(5), 'latin1');
          else if (/^\$\d+$/.test(header)) this.rdbLength = Number(header.slice(1));
          else throw new Error(`unexpected RDB header from the source: ${header}`);
        }
        let rdb: Buffer;
        if (this.eofMark) {
          const end = this.buffer.indexOf(this.eofMark);
          if (end < 0) return;
          rdb = this.buffer.subarray(0, end);
          this.buffer = this.buffer.subarray(end + this.eofMark.length);
        } else {
          if (this.buffer.length < this.rdbLength) return;
          rdb = this.buffer.subarray(0, this.rdbLength);
          this.buffer = this.buffer.subarray(this.rdbLength);
        }
        this.loadRdb(Buffer.from(rdb));
        this.openTarget();
        this.phase = 'stream';
        continue;
      }
      // The replication stream is ordinary commands: our primary executes them as a client would.
      if (this.buffer.length === 0) return;
      this.offset += this.buffer.length;
      this.target!.write(this.buffer);
      this.buffer = Buffer.alloc(0);
      return;
    }
  }

  private openTarget(): void {
    const target = net.connect({ host: this.targetHost, port: this.targetPort });
    this.target = target;
    target.on('data', () => undefined);
    target.on('error', (err) => this.fail(`target node: ${err.message}`));
    // Sources drop replicas that stay silent for repl-timeout; acknowledge the offset every second.
    this.ackTimer = setInterval(() => this.source?.write(encode(['REPLCONF', 'ACK', String(this.offset)])), 1000);
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

function encode(args: string[]): Buffer {
  return Buffer.from(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
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

