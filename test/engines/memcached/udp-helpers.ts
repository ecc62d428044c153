// memcached's UDP framing for tests: requests in its 8-byte frame, replies collected datagram by datagram.
import dgram from 'node:dgram';

export interface FrameFields {
  sequence?: number;
  total?: number;
  reserved?: number;
}

/** One request datagram: request id, sequence number, datagrams in the request, reserved. */
export function frame(id: number, payload: Buffer | string, fields: FrameFields = {}): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(fields.sequence ?? 0, 2);
  header.writeUInt16BE(fields.total ?? 1, 4);
  header.writeUInt16BE(fields.reserved ?? 0, 6);
  return Buffer.concat([header, typeof payload === 'string' ? Buffer.from(payload, 'latin1') : payload]);
}

/** A reply datagram, its header read out, for readable comparisons. */
export interface Datagram {
  id: number;
  sequence: number;
  total: number;
  reserved: number;
  payload: string;
}

function readDatagram(d: Buffer): Datagram {
  return {
    id: d.readUInt16BE(0),
    sequence: d.readUInt16BE(2),
    total: d.readUInt16BE(4),
    reserved: d.readUInt16BE(6),
    payload: d.subarray(8).toString('latin1'),
  };
}

/** The request id of the `mn` sent after every exchange: its reply marks the end of the others. */
const SENTINEL_ID = 0xfffe;

/** A port no UDP socket is bound to right now. */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

/** A datagram to send, or something to wait for before sending the next. */
export type Step = Buffer | (() => Promise<void>);

/**
 * Sends `steps` in order from one client socket, then an `mn` in a datagram of its own, and
 * resolves with every datagram that came back before the MN (each with its header).
 */
export function udpExchange(port: number, steps: Step[], timeoutMs = 10_000): Promise<Datagram[]> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    const got: Datagram[] = [];
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`no MN within ${timeoutMs} ms; got ${JSON.stringify(got)}`));
    }, timeoutMs);
    socket.on('message', (msg) => {
      const d = readDatagram(msg);
      if (d.id === SENTINEL_ID && d.payload === 'MN\r\n') {
        clearTimeout(timer);
        socket.close();
        resolve(got);
        return;
      }
      got.push(d);
    });
    socket.bind(0, '127.0.0.1', () => {
      // One after another, each sent before the next: the server reads them in this order.
      const all = [...steps, frame(SENTINEL_ID, 'mn\r\n')];
      const next = (i: number): void => {
        const step = all[i];
        if (step === undefined) return;
        if (Buffer.isBuffer(step)) socket.send(step, port, '127.0.0.1', () => next(i + 1));
        else void step().then(() => next(i + 1), reject);
      };
      next(0);
    });
  });
}
