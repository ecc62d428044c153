// The keys of a get line, read one at a time. A line of thousands of keys (up to 1 MB) comes from the
// parser split only at its head, with the rest as one string: splitting 60,000 keys at once held the loop
// every node shares for 2-50 ms before the first key was looked up. memcached itself splits such a line
// 24 tokens at a time as it goes.

export class KeyCursor {
  /** Where the next key of `rest` starts its search (spaces before it are skipped). */
  private restAt = 0;

  constructor(
    private readonly tokens: readonly string[],
    private index: number,
    private readonly rest: string,
  ) {}

  /** The next key, or undefined after the last. memcached splits on single spaces and drops empty tokens. */
  next(): string | undefined {
    if (this.index < this.tokens.length) return this.tokens[this.index++];
    const rest = this.rest;
    const n = rest.length;
    let start = this.restAt;
    while (start < n && rest.charCodeAt(start) === 0x20) start++;
    if (start >= n) {
      this.restAt = n;
      return undefined;
    }
    let space = rest.indexOf(' ', start);
    if (space < 0) space = n;
    this.restAt = space + 1;
    return rest.substring(start, space);
  }

  /** Whether a key not read yet is longer than `max` (a scan of ~1 ms per MB; nothing is consumed). */
  anyLongerThan(max: number): boolean {
    for (let i = this.index; i < this.tokens.length; i++) if (this.tokens[i]!.length > max) return true;
    const rest = this.rest;
    const n = rest.length;
    for (let start = this.restAt; start < n; ) {
      let space = rest.indexOf(' ', start);
      if (space < 0) space = n;
      if (space - start > max) return true;
      start = space + 1;
    }
    return false;
  }
}
