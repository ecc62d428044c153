// memcached 1.6's -o read_buf_mem_limit: read buffers and response objects come from one pool of 16 KiB
// buffers per worker thread (the limit split between -t threads, at least one buffer each), shared by
// every connection the thread serves (connections are handed to threads in turn as they are accepted).
// A connection holds a read buffer while it has bytes of a request not yet run (a partial line, or a
// value still arriving); replies hold response objects, 13 to a buffer, until they are written, and a
// thread keeps its last bundle of response objects once it has had one. Without a buffer to read into a
// connection is closed (counted in read_buf_oom); without a response object memcached counts
// response_obj_oom and answers what it can (see the uses of `takeResponse`).
import type { Settings } from './context.ts';

const READ_BUFFER_SIZE = 16384;
/** MAX_RESP_PER_BUNDLE on 64-bit builds: (16384 - 24-byte bundle header) / 1184-byte mc_resp. */
const RESPONSES_PER_BUNDLE = 13;

/** One worker thread's buffer pool. */
export class WorkerThread {
  /** Buffers this thread may have at once; Infinity without a limit. */
  private readonly limit: number;
  private readBuffers = 0;
  private responses = 0;
  /** memcached keeps the thread's last bundle of response objects once allocated, even when empty. */
  private bundleKept = false;

  constructor(settings: Settings) {
    if (settings.readBufMemLimit <= 0) this.limit = Infinity;
    else this.limit = Math.max(1, Math.floor(Math.floor(settings.readBufMemLimit / settings.workerThreads) / READ_BUFFER_SIZE));
  }

  /** No read_buf_mem_limit: responses never run out. */
  get unlimited(): boolean {
    return this.limit === Infinity;
  }

  private buffersFor(responses: number): number {
    return Math.max(this.bundleKept ? 1 : 0, Math.ceil(responses / RESPONSES_PER_BUNDLE));
  }

  /** rbuf_alloc: false when the pool has no buffer left. */
  takeReadBuffer(): boolean {
    if (this.readBuffers + this.buffersFor(this.responses) >= this.limit) return false;
    this.readBuffers++;
    return true;
  }

  releaseReadBuffer(): void {
    this.readBuffers--;
  }

  /** resp_start: false when no bundle has room and no buffer is left for one. */
  takeResponse(): boolean {
    if (this.readBuffers + this.buffersFor(this.responses + 1) > this.limit) return false;
    this.responses++;
    this.bundleKept = true;
    return true;
  }

  releaseResponses(n: number): void {
    this.responses -= n;
  }
}

/** The server's worker threads; connections are assigned round robin, as memcached's dispatcher does. */
export class WorkerThreads {
  readonly threads: WorkerThread[] = [];
  private next = 0;

  constructor(settings: Settings) {
    for (let i = 0; i < Math.max(1, settings.workerThreads); i++) this.threads.push(new WorkerThread(settings));
  }

  assign(): WorkerThread {
    const thread = this.threads[this.next]!;
    this.next = (this.next + 1) % this.threads.length;
    return thread;
  }
}
