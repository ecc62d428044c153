// The API's HTTP listener. Fastify with its dependencies costs more to load than the rest of a start, so
// the requests a client sends first (the Query API on `/`, health) are answered here with node:http,
// and Fastify (src/server.ts, every route) is loaded on the first request this does not answer itself.
// Anything unusual goes to Fastify too, so edge cases keep its exact behaviour: HEAD, chunked bodies,
// bodies over the limit, odd content types, and every request when requests are logged.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { answerQuery, HEALTH_PATH, type HttpAnswer } from './query-api.ts';
import type { World } from './world.ts';

/** Fastify's own server defaults, kept whichever side answers. */
const KEEP_ALIVE_TIMEOUT_MS = 72_000;
/** A media type with optional parameters; anything else goes to Fastify, which refuses it its way. */
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const SIMPLE_CONTENT_TYPE = new RegExp(`^${TOKEN}/${TOKEN}(\\s*;\\s*${TOKEN}=(${TOKEN}|"[^"\\\\]*"))*\\s*$`);

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface ApiListener {
  listen(host: string, port: number): Promise<number>;
  close(): Promise<void>;
}

function isQueryPath(url: string | undefined): boolean {
  return url === '/' || (url?.startsWith('/?') ?? false);
}

/** Whether this request is answered here: decided from the request line and headers alone. */
function answeredHere(req: IncomingMessage, maxBodyBytes: number): boolean {
  if (req.method === 'GET') return isQueryPath(req.url) || req.url === HEALTH_PATH;
  if (req.method !== 'POST' || !isQueryPath(req.url) || req.headers['transfer-encoding'] !== undefined) return false;
  const type = req.headers['content-type'];
  if (type !== undefined && !SIMPLE_CONTENT_TYPE.test(type)) return false;
  const length = req.headers['content-length'];
  if (length === undefined) return true;
  return /^\d+$/.test(length) && Number(length) <= maxBodyBytes;
}

function send(res: ServerResponse, answer: HttpAnswer): void {
  res.writeHead(answer.status, { ...answer.headers, 'content-length': Buffer.byteLength(answer.body) });
  res.end(answer.body);
}

/** The body of a request whose length node's parser holds to its Content-Length. */
function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
  });
}

export function createApiListener(world: World): ApiListener {
  const config = world.config;
  let nextReqId = 0;
  // Fastify's numbering, continued by Fastify once it takes over the requests it serves.
  const genReqId = () => {
    nextReqId = (nextReqId + 1) & 0x7fffffff;
    return `req-${nextReqId.toString(36)}`;
  };
  let fastify: Promise<{ handler: Handler; close: () => Promise<void> }> | undefined;
  const loadFastify = () =>
    (fastify ??= import('./server.ts').then(async ({ buildApp }) => {
      let handler: Handler | undefined;
      // Fastify serves on our server: it is handed a stand-in that never listens, and its router.
      const app = buildApp(world, {
        serverFactory: (routed) => {
          handler = routed;
          return http.createServer();
        },
        genReqId,
      });
      await app.ready();
      if (!handler) throw new Error('Fastify did not hand over its request handler');
      return { handler, close: () => app.close() };
    }));

  const answer = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.url === HEALTH_PATH) {
      send(res, { status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify({ status: 'ok' }) });
      return;
    }
    const body = req.method === 'POST' ? await readBody(req) : undefined;
    const reqId = genReqId();
    const query = { method: req.method as string, url: req.url as string, headers: req.headers, body };
    send(res, await answerQuery(world, query, (err) => world.log.child({ reqId }).error({ err }, 'internal error')));
  };

  const server = http.createServer((req, res) => {
    if (!config.logRequests && answeredHere(req, config.maxBodyBytes)) {
      // A client that goes away mid-body leaves nothing to answer.
      answer(req, res).catch(() => res.destroy());
      return;
    }
    loadFastify().then(
      ({ handler }) => handler(req, res),
      (err: unknown) => {
        world.log.error({ err }, 'could not load the HTTP routes');
        res.destroy();
      },
    );
  });
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.requestTimeout = 0;
  // A malformed request is answered as Fastify answers it (Fastify's own listener sits on its stand-in).
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const [status, message, label] =
      err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'Client Timeout', 'timeout'] : err.code === 'HPE_HEADER_OVERFLOW' ? [431, 'Exceeded maximum allowed HTTP header size', 'header_overflow'] : [400, 'Client Error', 'error'];
    const text = http.STATUS_CODES[status] as string;
    const body = JSON.stringify({ error: text, message, statusCode: status });
    world.log.trace({ err }, `client ${label}`);
    if (socket.writable) socket.write(`HTTP/1.1 ${status} ${text}\r\nContent-Length: ${body.length}\r\nContent-Type: application/json\r\n\r\n${body}`);
    socket.destroy(err);
  });

  return {
    listen: (host, port) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host, port }, () => {
          server.off('error', reject);
          resolve((server.address() as { port: number }).port);
        });
      }),
    async close() {
      // As Fastify closes: no new connections, idle keep-alive ones dropped, requests in flight finish.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await closed;
      if (fastify) await (await fastify.catch(() => undefined))?.close();
    },
  };
}
