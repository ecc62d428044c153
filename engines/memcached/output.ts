// Reply accumulator: everything one 'data' event produces goes out in a single socket.write.

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

  /** Drops everything queued since `mark` (used when a quiet command turns out to need no reply). */
  mark(): number {
    return this.parts.length;
  }

  truncate(mark: number): void {
    while (this.parts.length > mark) {
      const p = this.parts.pop()!;
      this.length -= p.length;
    }
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
