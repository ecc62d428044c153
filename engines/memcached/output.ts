// Reply accumulator: everything one 'data' event produces goes out in a single socket.write.

/** Above this many bytes, copying values into one buffer costs more than a vectored write. */
const LARGE_REPLY = 64 * 1024;

/** Values from this size on go out as they are, in a vectored write, rather than copied. */
const UNCOPIED_VALUE = 16 * 1024;

/** Reply lines up to this long are copied byte by byte: a native latin1Write per line (two per get hit) costs more. */
const SHORT_TEXT = 64;

export class Output {
  private parts: (string | Buffer)[] = [];
  /** Parts memcached would already have written: it transmits at a get's END, mn, a binary error, a yield. */
  private sent = 0;
  length = 0;
  /** Response objects held by replies memcached has not written yet (see response-budget.ts). */
  responses = 0;
  /** Told how many response objects a markSent frees (the connection gives them back to its thread). */
  onSent: ((responses: number) => void) | undefined = undefined;
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

  /** Everything queued so far counts as written (memcached's conn_mwrite after this command). */
  markSent(): void {
    this.sent = this.parts.length;
    if (this.responses > 0) this.onSent?.(this.responses);
    this.responses = 0;
  }

  /** Some queued reply counts as written (a get of thousands of keys queues its own until END). */
  get hasSent(): boolean {
    return this.sent > 0;
  }

  /** Drops the replies memcached would not have written yet (it discards them on some errors). */
  dropUnsent(): void {
    while (this.parts.length > this.sent) {
      const p = this.parts.pop()!;
      this.length -= p.length;
    }
  }

  /**
   * Everything queued, as few buffers as possible: replies and small values are copied into one buffer per
   * run, while large values are passed through uncopied (the caller writes them corked, as one writev).
   * A get of 60,000 keys queues 180,000 parts: a chunk per value, however small, made a 120,000-buffer
   * writev that cost more than copying the 2 MB.
   */
  takeChunks(): Buffer[] {
    if (this.length < LARGE_REPLY) {
      const one = this.take();
      return one === null ? [] : [one];
    }
    const parts = this.parts;
    const chunks: Buffer[] = [];
    let runStart = 0;
    let runLength = 0;
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (typeof p === 'string' || p.length < UNCOPIED_VALUE) {
        runLength += p.length;
        continue;
      }
      if (runLength > 0) chunks.push(copyParts(parts, runStart, i, runLength));
      chunks.push(p);
      runStart = i + 1;
      runLength = 0;
    }
    if (runLength > 0) chunks.push(copyParts(parts, runStart, parts.length, runLength));
    this.parts = [];
    this.sent = 0;
    this.length = 0;
    this.unpinAll();
    return chunks;
  }

  /**
   * Only what memcached would have written by now (up to the last markSent): while a value is still
   * arriving it reads on without writing the replies of the commands before it.
   */
  takeSentChunks(): Buffer[] {
    if (this.sent === this.parts.length) return this.takeChunks();
    const rest = this.parts.splice(this.sent);
    let restLength = 0;
    for (const p of rest) restLength += p.length;
    this.length -= restLength;
    const pinned = [...this.pinned];
    const chunks = this.takeChunks();
    this.parts = rest;
    this.length = restLength;
    for (const p of pinned) this.pinned.add(p);
    return chunks;
  }

  /** Set.clear allocates a new table even when the set is empty, and this runs on every flush. */
  private unpinAll(): void {
    if (this.pinned.size !== 0) this.pinned.clear();
  }

  take(): Buffer | null {
    if (this.length === 0) {
      this.unpinAll();
      return null;
    }
    const out = copyParts(this.parts, 0, this.parts.length, this.length);
    this.parts = [];
    this.sent = 0;
    this.length = 0;
    this.unpinAll();
    return out;
  }
}

/** parts[from, to) copied into one buffer of `length` bytes. */
function copyParts(parts: (string | Buffer)[], from: number, to: number, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  let off = 0;
  for (let i = from; i < to; i++) {
    const p = parts[i]!;
    if (typeof p !== 'string') off += p.copy(out, off);
    else if (p.length > SHORT_TEXT) off += out.latin1Write(p, off);
    else for (let j = 0; j < p.length; j++) out[off++] = p.charCodeAt(j);
  }
  return out;
}
