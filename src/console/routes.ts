import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import crypto from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { ACTIONS } from '../actions/index.ts';
import { ApiError } from '../protocol/errors.ts';
import type { Scope } from '../store/records.ts';
import type { World } from '../world.ts';
import { decodeReply } from './resp.ts';
import { consoleState } from './state.ts';

export const CONSOLE_PATH = '/_elasticache-local/console';
const STATIC_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'static');
const STATIC_FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};

/** What the key browser may run on a node: reads, plus DEL. */
const KEY_BROWSER_COMMANDS = new Set([
  'scan', 'type', 'pttl', 'get', 'getrange', 'strlen', 'lrange', 'llen', 'hscan', 'hlen', 'sscan', 'scard',
  'zrange', 'zcard', 'xrange', 'xlen', 'del', 'dbsize', 'exists',
]);

/** The console's buttons that map to API actions, with the inputs they send. */
const CONSOLE_ACTIONS = new Set(['TestFailover', 'RebootCacheCluster', 'CreateSnapshot']);

function scopeFrom(query: { account?: unknown; region?: unknown }, world: World): Scope {
  return {
    account: typeof query.account === 'string' && query.account ? query.account : world.config.accountId,
    region: typeof query.region === 'string' && query.region ? query.region : world.config.region,
  };
}

function jsonBody(body: unknown): Record<string, unknown> {
  if (typeof body !== 'string') return {};
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const bad = (reply: FastifyReply, message: string, status = 400) => reply.code(status).send({ error: message });

/** The web console: static files from the package, and the small JSON API its page polls. */
export function registerConsole(app: FastifyInstance, world: World): void {
  // Read when the console is first opened, not at start.
  let read: Map<string, Buffer> | undefined;
  const files = () => (read ??= new Map(Object.keys(STATIC_FILES).map((name) => [name, fs.readFileSync(path.join(STATIC_DIR, name))])));
  const sendFile = (reply: FastifyReply, name: string) => reply.type(STATIC_FILES[name] as string).header('cache-control', 'no-cache').send(files().get(name));

  app.get(CONSOLE_PATH, async (_request, reply) => sendFile(reply, 'index.html'));
  app.get<{ Params: { file: string } }>(`${CONSOLE_PATH}/:file`, async (request, reply) => {
    const name = request.params.file;
    return files().has(name) ? sendFile(reply, name) : bad(reply, `no file ${name}`, 404);
  });

  app.get<{ Querystring: { account?: string; region?: string } }>(`${CONSOLE_PATH}/api/state`, async (request) =>
    consoleState(world, scopeFrom(request.query, world)),
  );

  app.post(`${CONSOLE_PATH}/api/command`, async (request, reply) => {
    const body = jsonBody(request.body);
    const scope = scopeFrom(body, world);
    const [clusterId, nodeId = '0001'] = String(body.node ?? '').split('/');
    const args = body.args;
    if (!Array.isArray(args) || args.length === 0 || !args.every((a) => typeof a === 'string')) return bad(reply, 'args must be a non-empty array of strings');
    if (!KEY_BROWSER_COMMANDS.has((args[0] as string).toLowerCase())) return bad(reply, `the key browser does not run ${args[0]}`);
    const server = world.runtime.nodes.redisNode(world.runtime.nodeKey(scope, clusterId ?? '', nodeId));
    if (!server) return bad(reply, `no running Redis node ${clusterId}/${nodeId}`, 404);
    return { reply: decodeReply(await server.command(args as string[])) };
  });

  app.post(`${CONSOLE_PATH}/api/action`, async (request, reply) => {
    const body = jsonBody(request.body);
    const action = String(body.action ?? '');
    const handler = ACTIONS[action];
    if (!CONSOLE_ACTIONS.has(action) || !handler) return bad(reply, `the console does not run ${action}`);
    const input = typeof body.input === 'object' && body.input !== null ? body.input : {};
    try {
      await handler(input as never, { world, scope: scopeFrom(body, world), requestId: crypto.randomUUID() });
      return { ok: true };
    } catch (err) {
      if (err instanceof ApiError) return bad(reply, `${err.code}: ${err.message}`);
      throw err;
    }
  });
}
