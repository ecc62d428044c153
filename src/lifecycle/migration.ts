import net from 'node:net';
import { encodeCommand, ReplicationClient } from '../../engines/redis/light.ts';
import { connectHost } from '../config.ts';
import type { Scope } from '../store/records.ts';
import type { World } from '../world.ts';

/**
 * Online migration from a self-hosted Redis: we connect to it as a replica (PSYNC, through the engine's
 * replication client), load the RDB it sends into our primary, then replay its replication stream into
 * our primary as a client would. Works against real redis-server; the target sees the source's writes
 * within moments.
 *
 * The source is read no faster than the target takes commands: while the target's socket buffer is full
 * the source is paused, so a source writing faster than our node applies piles up in the source's replica
 * output buffer (where Redis bounds it), not in this process.
 */
export class MigrationLink {
  private source: ReplicationClient | undefined;
  private target: net.Socket | undefined;
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
    this.source = new ReplicationClient(
      this.sourceHost,
      this.sourcePort,
      { listeningPort: this.targetPort, psync: () => ['?', -1] },
      {
        fullSync: (rdb, _id, offset) => {
          this.offset = offset;
          this.loadRdb(rdb);
          this.openTarget();
          return true;
        },
        continued: () => undefined,
        command: (args, raw) => this.command(args, raw.length),
        ended: (why) => this.fail(why.startsWith('the primary') ? why.replace('the primary', 'the source') : `source ${this.sourceHost}:${this.sourcePort}: ${why}`),
      },
    );
  }

  /** Whether the source is paused because the target has not taken what was already sent (for tests). */
  get holdingSource(): boolean {
    return this.source?.paused ?? false;
  }

  /** The replication stream is ordinary commands: our primary executes them as a client would. */
  private command(args: string[], length: number): void {
    this.offset += length;
    if (args.length === 0) return;
    if (args[0]?.toUpperCase() === 'REPLCONF') {
      // REPLCONF GETACK is for us, not the target: answer with the offset now.
      if (args[1]?.toUpperCase() === 'GETACK') this.source?.ack(this.offset);
      return;
    }
    const target = this.target!;
    if (!target.write(encodeCommand(args)) && !this.source!.paused) {
      this.source!.pause();
      target.once('drain', () => {
        if (!this.closed) this.source?.resume();
      });
    }
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
    this.ackTimer = setInterval(() => this.source?.ack(this.offset), 1000);
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
    this.source?.close();
    this.target?.destroy();
  }
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

