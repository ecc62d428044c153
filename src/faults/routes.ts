import type { FastifyInstance } from 'fastify';
import type { Scope } from '../store/records.ts';
import type { World } from '../world.ts';
import { injectFault } from './inject.ts';
import { faultsOf } from './registry.ts';
import { resetWorld } from './reset.ts';
import { FaultRequestError, parseFaultRequest, scopeOfRequest } from './types.ts';

export const RESET_PATH = '/_elasticache-local/reset';
/** moto's server mode resets here; suites written for it move over by changing the endpoint. */
export const MOTO_RESET_PATH = '/moto-api/reset';
export const FAULTS_PATH = '/_elasticache-local/faults';

class BadRequest extends Error {}

/** `{}` or no body: everything; `{"account": "...", "region": "..."}`: that account and region only. */
function resetScope(body: unknown, defaults: Scope): Scope | undefined {
  if (typeof body !== 'string' || body.trim() === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new BadRequest('the body must be empty or a JSON object {"account": "...", "region": "..."}');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new BadRequest('the body must be a JSON object');
  const { account, region } = parsed as { account?: unknown; region?: unknown };
  if (account === undefined && region === undefined) return undefined;
  if ((account !== undefined && typeof account !== 'string') || (region !== undefined && typeof region !== 'string')) {
    throw new BadRequest('account and region must be strings');
  }
  return { account: account ?? defaults.account, region: region ?? defaults.region };
}

/** Test-suite routes: reset, and the fault API. */
export function registerTestRoutes(app: FastifyInstance, world: World): void {
  const defaults = { account: world.config.accountId, region: world.config.region };
  const reset = async (body: unknown) => {
    const only = resetScope(body, defaults);
    return { status: 'ok', ...(only ?? {}), removed: await resetWorld(world, only) };
  };
  app.post(RESET_PATH, async (request, reply) => {
    try {
      return await reset(request.body);
    } catch (err) {
      if (err instanceof BadRequest) return reply.code(400).send({ error: err.message });
      throw err;
    }
  });
  app.post(MOTO_RESET_PATH, async (request, reply) => {
    try {
      await reset(request.body);
      return { status: 'ok' };
    } catch (err) {
      if (err instanceof BadRequest) return reply.code(400).send({ error: err.message });
      throw err;
    }
  });

  app.post(FAULTS_PATH, async (request, reply) => {
    try {
      const fault = parseFaultRequest(typeof request.body === 'string' ? request.body : '');
      const id = await injectFault(world, fault, scopeOfRequest(fault, defaults));
      return reply.code(201).send({ id });
    } catch (err) {
      if (err instanceof FaultRequestError) return reply.code(400).send({ error: err.message });
      throw err;
    }
  });
  app.get(FAULTS_PATH, async () => ({ faults: faultsOf(world).list() }));
  app.delete(FAULTS_PATH, async () => ({ cleared: await faultsOf(world).removeAll() }));
  app.delete<{ Params: { id: string } }>(`${FAULTS_PATH}/:id`, async (request, reply) => {
    if (await faultsOf(world).remove(request.params.id)) return { cleared: 1 };
    return reply.code(404).send({ error: `no fault ${request.params.id}` });
  });
  app.addHook('onClose', async () => faultsOf(world).dispose());
}
