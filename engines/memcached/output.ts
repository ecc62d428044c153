// Reply accumulator: everything one 'data' event produces goes out in a single socket.write.

/** Above this many bytes, copying values into one buffer costs more than a vectored write. */
const LARGE_REPLY = 64 * 1024;

export class Output {
  private parts: (string | Buffer)[] = [];
  length = 0;
  /**
   * Items a queued meta-get reply still refers to. memcached holds such a reference until the write,
   * and an incr/decr on a referenced item allocates a new item instead of rewriting it in place.
   */
  readonly pinned = new Set<object>();

  /** Appends protocol text; all our text is latin1 (keys are latin1 strings of raw bytes). */
  text(s: string): void {
    this.parts.push(s);
    this.length += s.length;
  }

  bytes(b: Buffer): void {
    if (b.length === 0) return;
    this.parts.push(b);
    this.length += b.length;
  }

  /** Drops queued parts beyond the first `mark` (memcached discards unsent replies on some errors). */
  truncate(mark: number): void {
    while (this.parts.length > mark) {
      const p = this.parts.pop()!;
      this.length -= p.length;
    }
  }

  /**
   * Everything queued, as few buffers as possible: small replies are copied into one buffer, while
   * large values are passed through uncopied (the caller writes them corked, as one writev).
   */
  takeChunks(): Buffer[] {
    if (this.length < LARGE_REPLY) {
      const one = this.take();
      return one === null ? [] : [one];
    }
    const chunks: Buffer[] = [];
    let text = '';
    for (const p of this.parts) {
      if (typeof p === 'string') text += p;
      else {
        if (text) chunks.push(Buffer.from(text, 'latin1'));
        text = '';
        chunks.push(p);
      }
    }
    if (text) chunks.push(Buffer.from(text, 'latin1'));
    this.parts = [];
    this.length = 0;
    this.pinned.clear();
    return chunks;
  }

  take(): Buffer | null {
    if (this.length === 0) {
      this.pinned.clear();
      return null;
    }
    const out = Buffer.allocUnsafe(this.length);
    let off = 0;
    for (const p of this.parts) {
      if (typeof p === 'string') off += out.latin1Write(p, off);
      else off += p.copy(out, off);
    }
    this.parts = [];
    this.length = 0;
    this.pinned.clear();
    return out;
  }
}
