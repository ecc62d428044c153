import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll } from 'vitest';
import { start, type Emulator, type EmulatorOptions } from '../../src/index.ts';

export const CREDENTIALS = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  return start({ port: 0, transitionDelayMs: 200, ...options });
}

export function sdkClient(emulator: Emulator, region = 'us-east-1', credentials = CREDENTIALS): ElastiCacheClient {
  return new ElastiCacheClient({ endpoint: emulator.url, region, credentials, maxAttempts: 1 });
}

/**
 * Fast waiter settings: the SDK's defaults poll every 15 s. Its delays are seconds but may be fractions: a group
 * of the tests' emulators (transitions of 0-200 ms) is ready in well under a second, and a whole-second poll
 * made most waits cost a second of idling.
 */
export const FAST_WAIT = { minDelay: 0.05, maxDelay: 0.2, maxWaitTime: 60 } as const;

/**
 * Whether an external tool is on the PATH. CI installs every tool the suite uses, so there a missing
 * tool fails the test instead of skipping it.
 */
export function hasTool(command: string, args: string[] = ['--version']): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore', timeout: 20_000 });
    return true;
  } catch {
    if (process.env.CI === 'true') throw new Error(`${command} is required in CI but is not installed`);
    return false;
  }
}

/**
 * An emulator and an SDK client of it for the calling file's (or describe block's) tests: started in
 * beforeAll, stopped in afterAll. The two are stand-ins usable from the tests on (and in later hooks): each
 * property read goes to the emulator or client started then, so a file keeps its `emulator` and `client`
 * names, e.g. `const { emulator, client } = emulatorForTests({ transitionDelayMs: 50 });`.
 */
export function emulatorForTests(options: EmulatorOptions = {}): { emulator: Emulator; client: ElastiCacheClient } {
  let emulator: Emulator | undefined;
  let client: ElastiCacheClient | undefined;
  beforeAll(async () => {
    emulator = await startEmulator(options);
    client = sdkClient(emulator);
  });
  afterAll(async () => {
    client?.destroy();
    await emulator?.stop();
  });
  return { emulator: standIn('emulator', () => emulator), client: standIn('client', () => client) };
}

function standIn<T extends object>(name: string, current: () => T | undefined): T {
  const started = (): T => {
    const target = current();
    if (target === undefined) throw new Error(`the ${name} is used before its beforeAll started it`);
    return target;
  };
  return new Proxy({} as T, {
    get(_, key) {
      const target = started();
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
    // The SDK's paginators check `client instanceof ElastiCacheClient`.
    getPrototypeOf: () => Reflect.getPrototypeOf(started()),
  });
}
