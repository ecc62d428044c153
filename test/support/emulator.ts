import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { execFileSync } from 'node:child_process';
import { start, type Emulator, type EmulatorOptions } from '../../src/index.ts';

export const CREDENTIALS = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  return start({ port: 0, transitionDelayMs: 200, ...options });
}

export function sdkClient(emulator: Emulator, region = 'us-east-1', credentials = CREDENTIALS): ElastiCacheClient {
  return new ElastiCacheClient({ endpoint: emulator.url, region, credentials, maxAttempts: 1 });
}

/** Fast waiter settings: the SDK's defaults poll every 15 s. */
export const FAST_WAIT = { minDelay: 1, maxDelay: 1, maxWaitTime: 60 } as const;

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
