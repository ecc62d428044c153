// The compiled CLI as a process of its own, so a test can kill it -9 and start it again on the same data
// directory (built once by ensureBuilt; it starts in a fraction of the time tsx takes to compile src/).
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { CREDENTIALS } from './emulator.ts';

const BIN = path.resolve(import.meta.dirname, '..', '..', 'bin', 'elasticache-local.mjs');

export interface CliProcess {
  child: ChildProcess;
  client: ElastiCacheClient;
  /** Everything the process wrote, for a failure message. */
  output: () => string;
}

const REQUEST_TIMEOUT_MS = 30_000;
/** Far beyond a start-up on a loaded machine: a restart that never gets ready fails with what it wrote. */
const READY_TIMEOUT_MS = 90_000;

/** Starts the CLI with `args` (plus --port 0) and resolves once its API listens. */
export function startCli(args: string[]): Promise<CliProcess> {
  const child = spawn(process.execPath, [BIN, '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`not ready after ${READY_TIMEOUT_MS} ms:\n${out}`));
    }, READY_TIMEOUT_MS);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /API listening on (http:\/\/\S+)/.exec(out);
      if (!m) return;
      child.removeListener('exit', onExit);
      clearTimeout(timer);
      // A request the emulator never answers fails instead of hanging the test.
      const client = new ElastiCacheClient({ endpoint: m[1], region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1, requestHandler: { requestTimeout: REQUEST_TIMEOUT_MS } });
      resolve({ child, client, output: () => out });
    };
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code} before ready:\n${out}`));
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', onExit);
  });
}

/** Sends `signal` (kill -9 by default) and resolves once the process is gone. */
export function stopped(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}
