// A replica's view of a server for tests: SYNC on a raw socket, the RDB payload skipped, then the
// propagated commands one by one, as Redis's tcl suite reads them (attach_to_replication_stream).
import net from 'node:net';

export class SyncStream {
  private buf = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  closed = false;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Waits until `n` bytes are buffered; false when the connection closed or `ms` passed. */
  private async need(n: number, deadline: number): Promise<boolean> {
    while (this.buf.length < n) {
      if (this.closed || Date.now() > deadline) return false;
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
    return true;
  }

  private async line(deadline: number): Promise<string> {
    for (;;) {
      const i = this.buf.indexOf('\r\n');
      if (i >= 0) {
        const l = this.buf.subarray(0, i).toString('latin1');
        this.buf = this.buf.subarray(i + 2);
        return l;
      }
      if (!(await this.need(this.buf.length + 1, deadline))) throw new Error(`replication stream: no line (buffered: ${JSON.stringify(this.buf.toString('latin1'))})`);
    }
  }

  /**
   * Sends SYNC (or `PSYNC ? -1`, or the command given) and skips the header and payload; `header` is the
   * first line seen. `first` go before it, each once the one before was answered, as a replica sends REPLCONF.
   */
  static async attach(port: number, psync: boolean | string = false, ms = 10000, first: string[] = []): Promise<{ stream: SyncStream; header: string; payload: Buffer }> {
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(s));
      s.once('error', reject);
    });
    const stream = new SyncStream(socket);
    const deadline = Date.now() + ms;
    for (const command of first) {
      socket.write(command);
      const answer = await stream.line(deadline);
      if (answer !== '+OK') throw new Error(`${command.trim()}: ${answer}`);
    }
    socket.write(typeof psync === 'string' ? psync : psync ? 'PSYNC ? -1\r\n' : 'SYNC\r\n');
    let header = '';
    for (;;) {
      // Bare newlines keep the link alive while the payload is prepared.
      while (stream.buf[0] === 10) stream.buf = stream.buf.subarray(1);
      if (stream.buf.length === 0 && !(await stream.need(1, deadline))) throw new Error('SYNC: no answer');
      if (stream.buf[0] === 10) continue;
      const l = await stream.line(deadline);
      if (header === '') header = l;
      if (l.startsWith('$')) {
        const n = Number(l.slice(1));
        if (!(await stream.need(n, deadline))) throw new Error('SYNC: payload cut short');
        const payload = stream.buf.subarray(0, n);
        stream.buf = stream.buf.subarray(n);
        return { stream, header, payload };
      }
      if (!l.startsWith('+FULLRESYNC')) return { stream, header: l, payload: Buffer.alloc(0) };
    }
  }

  /** The next command, its arguments joined by spaces. */
  async next(ms = 10000): Promise<string> {
    const deadline = Date.now() + ms;
    const head = await this.line(deadline);
    if (!head.startsWith('*')) return `RAW ${head}`;
    const args: string[] = [];
    for (let i = Number(head.slice(1)); i > 0; i--) {
      const n = Number((await this.line(deadline)).slice(1));
      if (!(await this.need(n + 2, deadline))) throw new Error('replication stream: argument cut short');
      args.push(this.buf.subarray(0, n).toString('latin1'));
      this.buf = this.buf.subarray(n + 2);
    }
    return args.join(' ');
  }

  /** Commands up to and including the first that matches `last`. */
  async until(last: string, ms = 10000): Promise<string[]> {
    const out: string[] = [];
    for (;;) {
      const cmd = await this.next(ms);
      out.push(cmd);
      if (cmd === last) return out;
    }
  }

  /** Sends a command up the link, as a replica sends REPLCONF ACK. */
  send(...args: string[]): void {
    this.socket.write(`*${args.length}\r\n${args.map((x) => `$${Buffer.byteLength(x)}\r\n${x}\r\n`).join('')}`);
  }

  /** Stops reading, as a replica that fell behind. */
  pause(): void {
    this.socket.pause();
  }

  close(): void {
    this.socket.destroy();
  }
}
