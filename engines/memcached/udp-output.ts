// Replies to a UDP request, cut into datagrams the way memcached 1.6's transmit_udp sends them.
//
// Each datagram starts with memcached's 8-byte frame header: request id (echoed), sequence number,
// datagrams in this reply, and 2 reserved zero bytes; at most UDP_MAX_PAYLOAD_SIZE bytes in all.
// memcached sends every response object (one per command, one per key of a multi-get) as a datagram
// sequence of its own, numbered from 0. Where that shows:
// - a response that ended up empty is still sent, as a bare header saying 0 datagrams, when it is the
//   first one of a write; one that follows a response just sent is dropped with it (_transmit_post);
// - a noreply (or meta `q`) response is never sent, and does not drop the empty ones after it.
import { Output } from './output.ts';

export const UDP_HEADER_SIZE = 8;
export const UDP_MAX_PAYLOAD_SIZE = 1400;
const UDP_DATA_SIZE = UDP_MAX_PAYLOAD_SIZE - UDP_HEADER_SIZE;
const MAX_DATAGRAMS = 0xffff;

interface Response {
  /** Offset of its first byte in what is queued. */
  start: number;
  /** Left empty, it is memcached's `skip` (noreply) rather than an empty reply. */
  quietIfEmpty: boolean;
}

/** The request id a datagram carries, or null for one memcached drops unread. */
export function requestIdOf(datagram: Buffer): number | null {
  // Nothing past the header, or a request spread over several datagrams (memcached serves only
  // single-datagram requests; the sequence number and reserved bytes are not looked at).
  if (datagram.length <= UDP_HEADER_SIZE) return null;
  if (datagram[4] !== 0 || datagram[5] !== 1) return null;
  return datagram.readUInt16BE(0);
}

function header(requestId: number, sequence: number, total: number): Buffer {
  const h = Buffer.alloc(UDP_HEADER_SIZE);
  h.writeUInt16BE(requestId, 0);
  h.writeUInt16BE(sequence & 0xffff, 2);
  h.writeUInt16BE(total, 4);
  return h;
}

/** One response object's datagrams. */
export function responseDatagrams(requestId: number, payload: Buffer): Buffer[] {
  if (payload.length === 0) return [header(requestId, 0, 0)];
  const total = Math.min(Math.ceil(payload.length / UDP_DATA_SIZE), MAX_DATAGRAMS);
  const datagrams: Buffer[] = [];
  for (let seq = 0, off = 0; off < payload.length; seq++, off += UDP_DATA_SIZE) {
    datagrams.push(Buffer.concat([header(requestId, seq, total), payload.subarray(off, off + UDP_DATA_SIZE)]));
  }
  return datagrams;
}

/** An Output that also remembers where each response object starts and where memcached writes. */
export class DatagramOutput extends Output {
  private objects: Response[] = [];
  /** objects.length at each point memcached transmits (a get's END, mn, a binary error, a yield). */
  private writes: number[] = [];
  /** Text queued after dropped replies is an error memcached starts a response object of its own for. */
  private needsResponse = true;

  startResponse(quietIfEmpty: boolean): void {
    this.objects.push({ start: this.length, quietIfEmpty });
    this.needsResponse = false;
  }

  override text(s: string): void {
    if (this.needsResponse) this.startResponse(false);
    super.text(s);
  }

  override bytes(b: Buffer): void {
    if (b.length === 0) return;
    if (this.needsResponse) this.startResponse(false);
    super.bytes(b);
  }

  override markSent(): void {
    super.markSent();
    this.writes.push(this.objects.length);
  }

  override dropUnsent(): void {
    super.dropUnsent();
    this.objects.length = this.writes.at(-1) ?? 0;
    this.needsResponse = true;
  }

  /**
   * The datagrams memcached has sent by now for `requestId`: every response up to the last write,
   * and with `all` (the request is done) the rest too. What is not taken stays queued.
   */
  takeDatagrams(requestId: number, all: boolean): Buffer[] {
    if (all) this.markSent();
    const cut = this.writes.at(-1) ?? 0;
    if (cut === 0) {
      this.writes = [];
      return [];
    }
    const taken = this.objects.slice(0, cut);
    const queued = Buffer.concat(all ? this.takeChunks() : this.takeSentChunks());
    const batches = this.writes;
    const rest = this.objects.slice(cut);
    for (const r of rest) r.start -= queued.length;
    this.objects = rest;
    this.writes = [];
    if (rest.length === 0) this.needsResponse = true;
    const payloads = taken.map((r, i) => ({ r, payload: queued.subarray(r.start, taken[i + 1]?.start ?? queued.length) }));
    const datagrams: Buffer[] = [];
    let from = 0;
    for (const end of batches) {
      if (end <= from) continue;
      transmit(payloads.slice(from, end), requestId, datagrams);
      from = end;
    }
    return datagrams;
  }
}

/** One write of memcached's: transmit_udp and _transmit_post over the responses queued. */
function transmit(batch: { r: Response; payload: Buffer }[], requestId: number, datagrams: Buffer[]): void {
  let i = 0;
  while (i < batch.length) {
    const { r, payload } = batch[i++]!;
    if (payload.length === 0 && r.quietIfEmpty) continue;
    datagrams.push(...responseDatagrams(requestId, payload));
    while (i < batch.length && batch[i]!.payload.length === 0) i++;
  }
}
