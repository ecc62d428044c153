// A client that pipelines commands and closes at once, without reading a reply.
import net from 'node:net';
import { encodeCommand } from './helpers.ts';

/** Sends `commands` pipelined and closes at once; resolves once the server ended the connection. */
export async function sendAndLeave(port: number, commands: string[][]): Promise<void> {
  const s = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    s.once('connect', resolve);
    s.once('error', reject);
  });
  await new Promise<void>((resolve) => s.write(Buffer.concat(commands.map(encodeCommand)), () => resolve()));
  s.end();
  // Read to the server's end of the stream, which is when it let the connection go.
  s.resume();
  await new Promise<void>((resolve) => s.once('close', () => resolve()));
}
