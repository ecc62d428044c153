// What memcached's read buffer of a text connection holds. memcached reads into a 16 KB buffer
// (READ_BUFFER_SIZE), only when the commands it holds have run or the last one is cut off, and what a
// client sees depends on where those reads end:
// - a line cut off with more than 2048 bytes of it in the buffer closes the connection unless it is a
//   get/gets (the buffer then grows), so a gat line past 16 KB always closes, and a 3 KB one may close
//   when it starts near a buffer's end;
// - before each read memcached writes the replies it has queued, so a later error that discards
//   unwritten replies (a too-long get key) spares those; each read also starts a new event, whose
//   requests count towards reqs_per_event afresh.
// Over TCP the bytes a read takes are what the client has sent that the buffer does not hold yet: here,
// what this process has received.

/** READ_BUFFER_SIZE. */
const READ_BUFFER = 16384;
/** try_read_network doubles a get line's grown buffer at most this many times per read. */
const GROWTHS_PER_READ = 4;

export class ReadWindow {
  /** Bytes in the buffer not run yet (c->rbytes), from the parser's current position on. */
  held = 0;
  private size = READ_BUFFER;
  /** A long get line made memcached swap the buffer for a malloc'ed one that grows (rbuf_switch_to_malloc). */
  private grown = false;
  /** The buffer has no room left. */
  get full(): boolean {
    return this.held >= this.size;
  }

  /** The last read stopped for want of bytes, with room left for more. */
  wantsMore = false;

  /**
   * One read, given `received` bytes past those held: how many it takes (0: none yet, memcached waits).
   * A grown buffer that the read fills is doubled and read into again.
   */
  read(received: number): number {
    let taken = 0;
    let growths = 0;
    for (;;) {
      if (this.grown && this.held >= this.size) {
        if (growths === GROWTHS_PER_READ) break;
        growths++;
        this.size *= 2;
      }
      const room = this.size - this.held;
      const n = Math.min(room, received - taken);
      this.wantsMore = n < room;
      if (n <= 0) break;
      this.held += n;
      taken += n;
      if (n < room || !this.grown) break;
    }
    return taken;
  }

  /** A get line outgrew the buffer: memcached moves it to one twice the size, which later reads grow. */
  grow(): void {
    if (this.grown) return;
    this.grown = true;
    this.size *= 2;
  }

  /** `n` bytes from the position on were run (a line, or a value read partly from the buffer). */
  consume(n: number): void {
    this.held = Math.max(0, this.held - n);
    // An empty buffer is given back before the next read, which takes a fresh 16 KB one.
    if (this.held === 0) {
      this.size = READ_BUFFER;
      this.grown = false;
    }
  }
}
