// What a replica reads from its primary, kept as the chunks that arrived: a full sync's payload of many
// megabytes is joined once, when it is all there, not copied again with every chunk (and an EOF-marked
// one is recognised by the last bytes seen, as 7.0's readSyncBulkPayload does, not by searching it all).
export class LinkInput {
  private chunks: Buffer[] = [];
  /** Bytes held. */
  held = 0;
  private wanted = Number.POSITIVE_INFINITY;
  private wake: (() => void) | null = null;
  private closed = false;
  /** An EOF-marked payload being read: its mark, and the last bytes seen (as long as the mark). */
  private mark: Buffer | null = null;
  private tail: Buffer = Buffer.alloc(0);

  push(d: Buffer): void {
    this.chunks.push(d);
    this.held += d.length;
    if (this.mark !== null) {
      const n = this.mark.length;
      this.tail = d.length >= n ? d.subarray(d.length - n) : Buffer.concat([this.tail, d]).subarray(-n);
      if (this.tail.equals(this.mark)) this.notify();
    }
    if (this.held >= this.wanted) this.notify();
  }

  /** The link closed: whatever waits gives up. */
  close(): void {
    this.closed = true;
    this.notify();
  }

  private notify(): void {
    const w = this.wake;
    this.wake = null;
    this.wanted = Number.POSITIVE_INFINITY;
    w?.();
  }

  private async waitFor(n: number): Promise<void> {
    if (this.closed) throw new Error('link lost');
    this.wanted = n;
    await new Promise<void>((r) => (this.wake = r));
    if (this.closed) throw new Error('link lost');
  }

  /** Everything held, as one buffer. */
  joined(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0] ?? EMPTY;
  }

  consume(n: number): void {
    if (n === 0) return;
    const b = this.joined();
    this.chunks = n < b.length ? [b.subarray(n)] : [];
    this.held -= n;
  }

  /** The next line, without its CRLF; bare newlines before it (a primary's keepalive while it prepares a payload) skipped. */
  async line(): Promise<string> {
    for (;;) {
      const b = this.joined();
      let start = 0;
      while (b[start] === 10) start++;
      const nl = b.indexOf(10, start);
      if (nl >= 0) {
        const l = b.latin1Slice(start, nl).replace(/\r$/, '');
        this.consume(nl + 1);
        return l;
      }
      await this.waitFor(this.held + 1);
    }
  }

  /** The next `n` bytes, once they are all there. */
  async bytes(n: number): Promise<Buffer> {
    while (this.held < n) await this.waitFor(n);
    const out = Buffer.from(this.joined().subarray(0, n));
    this.consume(n);
    return out;
  }

  /** Everything up to `mark`, which ends what the primary sends until the replica answers. */
  async untilMark(mark: Buffer): Promise<Buffer> {
    this.mark = mark;
    this.tail = Buffer.alloc(0);
    try {
      for (;;) {
        const b = this.joined();
        if (b.length >= mark.length && b.subarray(b.length - mark.length).equals(mark)) {
          const out = Buffer.from(b.subarray(0, b.length - mark.length));
          this.consume(b.length);
          return out;
        }
        if (this.closed) throw new Error('link lost');
        await new Promise<void>((r) => (this.wake = r));
      }
    } finally {
      this.mark = null;
    }
  }
}

const EMPTY = Buffer.alloc(0);
