// A raw RESP connection that hands back whole frames; RESP3 pushes are kept apart from replies.
import net from 'node:net';
import { encodeCommand } from '../../test/engines/redis/helpers.ts';
import { parseFrame, type Frame } from './reply.ts';

export class FrameConn {
  private buf: Buffer = Buffer.alloc(0);
  private wake: (() => void) | null = null;
  private closed = false;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
      this.wake?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
    socket.on('error', () => undefined);
  }

  static open(port: number): Promise<FrameConn> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(new FrameConn(s)));
      s.setNoDelay(true);
      s.once('error', reject);
    });
  }

  /** This end's ip:port, as MONITOR and CLIENT LIST name the connection. */
  get address(): string {
    return `${this.socket.localAddress}:${this.socket.localPort}`;
  }

  send(args: readonly string[]): void {
    this.socket.write(encodeCommand(args as string[]));
  }

  /**
   * Several commands in one write, so a server reads them at once: what redis-server sends from
   * beforeSleep (BCAST invalidations) comes after all their replies, as from ours. One write per
   * command let redis-server read them apart and put such a push between the replies (seed 70233).
   */
  sendAll(cmds: readonly (readonly string[])[]): void {
    this.socket.write(Buffer.concat(cmds.map((c) => encodeCommand(c as string[]))));
  }

  /** The next frame; null when none arrives within ms or the connection closed. */
  async frame(ms: number): Promise<Frame | null> {
    const deadline = Date.now() + ms;
    for (;;) {
      const got = parseFrame(this.buf);
      if (got) {
        this.buf = this.buf.subarray(got.end);
        return got.frame;
      }
      const left = deadline - Date.now();
      if (this.closed || left <= 0) return null;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(t);
          this.wake = null;
          resolve();
        };
      });
    }
  }

  /** The next reply, with the pushes that came before it. */
  async reply(ms: number): Promise<{ reply: Frame | null; pushes: Frame[] }> {
    const pushes: Frame[] = [];
    for (;;) {
      const f = await this.frame(ms);
      if (f === null || f.type !== '>') return { reply: f, pushes };
      pushes.push(f);
    }
  }

  async call(args: readonly string[], ms = 10000): Promise<Frame | null> {
    this.send(args);
    return (await this.reply(ms)).reply;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    this.socket.destroy();
  }
}
