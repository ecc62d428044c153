// A small typed client of the test-suite routes, for suites written in TypeScript/JavaScript. Other
// languages speak the same JSON contract (README: "Fault injection").
import type { ApiErrorName, FaultRequest, FaultView } from './types.ts';

export type { FaultRequest, FaultView } from './types.ts';

type Common = Pick<FaultRequest, 'durationMs' | 'account' | 'region'>;
type Counted = Common & Pick<FaultRequest, 'count'>;

export interface FaultsClient {
  /** Any action of the contract; the helpers below name each. Answers the new fault's id. */
  inject(request: FaultRequest): Promise<string>;
  crashNode(target: string, options?: Common): Promise<string>;
  stopNode(target: string, options?: Common): Promise<string>;
  loseAz(availabilityZone: string, options?: Common): Promise<string>;
  cutReplication(replica: string, options?: Common): Promise<string>;
  delayReplication(replica: string, delayMs: number, options?: Common): Promise<string>;
  addLatency(target: string, latencyMs: number, options?: Common): Promise<string>;
  dropConnections(target: string, options?: Counted): Promise<string>;
  fillMemory(target: string, options?: Common & { percent?: number }): Promise<string>;
  apiError(apiAction: string, options?: Counted & { error?: ApiErrorName }): Promise<string>;
  list(): Promise<FaultView[]>;
  /** Ends one fault (undoing it), or every fault without an id. */
  clear(id?: string): Promise<void>;
}

export interface TestClient {
  faults: FaultsClient;
  /** Stops every node and forgets every resource, or only those of one account and region. */
  reset(only?: { account?: string; region?: string }): Promise<void>;
}

async function call(url: string, method: string, body?: unknown): Promise<unknown> {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const parsed: unknown = text ? JSON.parse(text) : undefined;
  if (!response.ok) {
    const message = (parsed as { error?: string } | undefined)?.error ?? text;
    throw new Error(`elasticache-local ${method} ${url}: ${response.status} ${message}`);
  }
  return parsed;
}

/** `endpoint` is the emulator's URL, e.g. `emulator.url` or http://127.0.0.1:9736. */
export function testClient(endpoint: string): TestClient {
  const base = endpoint.replace(/\/+$/, '');
  const faultsUrl = `${base}/_elasticache-local/faults`;
  const inject = async (request: FaultRequest) => ((await call(faultsUrl, 'POST', request)) as { id: string }).id;
  return {
    async reset(only) {
      await call(`${base}/_elasticache-local/reset`, 'POST', only ?? {});
    },
    faults: {
      inject,
      crashNode: (target, o) => inject({ action: 'crash-node', target, ...o }),
      stopNode: (target, o) => inject({ action: 'stop-node', target, ...o }),
      loseAz: (target, o) => inject({ action: 'lose-az', target, ...o }),
      cutReplication: (target, o) => inject({ action: 'cut-replication', target, ...o }),
      delayReplication: (target, delayMs, o) => inject({ action: 'delay-replication', target, delayMs, ...o }),
      addLatency: (target, latencyMs, o) => inject({ action: 'add-latency', target, latencyMs, ...o }),
      dropConnections: (target, o) => inject({ action: 'drop-connections', target, ...o }),
      fillMemory: (target, o) => inject({ action: 'fill-memory', target, ...o }),
      apiError: (target, o) => inject({ action: 'api-error', target, ...o }),
      list: async () => ((await call(faultsUrl, 'GET')) as { faults: FaultView[] }).faults,
      clear: async (id) => {
        await call(id === undefined ? faultsUrl : `${faultsUrl}/${encodeURIComponent(id)}`, 'DELETE');
      },
    },
  };
}
