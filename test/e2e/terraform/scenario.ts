// One Terraform configuration of the combined Terraform test: its own emulator and working directory,
// so configurations apply side by side while each waits on the provider's 30 s polls.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { type ExecResult } from '../../support/exec.ts';
import { canBind } from '../../support/net.ts';
import { output, terraform, workspace } from '../../support/terraform.ts';

export class Workspace {
  constructor(
    readonly dir: string,
    private readonly nice: boolean,
  ) {}

  run(...args: string[]): Promise<ExecResult> {
    return terraform(this.dir, args, { nice: this.nice });
  }

  /** Runs a command and asserts its exit code (0 unless told), with Terraform's output as the message. */
  async expectCode(code: number, ...args: string[]): Promise<ExecResult> {
    const r = await this.run(...args, '-no-color');
    expect(r.code, `terraform ${args.join(' ')} in ${this.dir} (exists: ${fs.existsSync(this.dir)}): ${output(r)}`).toBe(code);
    return r;
  }

  async outputs(): Promise<Record<string, { value: unknown }>> {
    return JSON.parse((await this.run('output', '-json')).stdout) as Record<string, { value: unknown }>;
  }

  write(mainTf: string): void {
    fs.writeFileSync(path.join(this.dir, 'main.tf'), mainTf);
  }
}

/** An emulator running in a child process: only its API is reachable, as for Terraform itself. */
export interface RemoteEmulator {
  url: string;
  /** Where a replication group created without Port gets its endpoint: 6379 if the scenario asked for it, else 0 (none). */
  redisDefaultPort: number;
  stop(): Promise<void>;
}

export async function startEmulatorProcess(redisDefaultPort = 0): Promise<RemoteEmulator> {
  const script = path.join(import.meta.dirname, 'emulator-process.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: path.join(import.meta.dirname, '..', '..', '..'),
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ECL_REDIS_DEFAULT_PORT: String(redisDefaultPort) },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d.toString();
      // The emulator may log JSON lines of its own: the URL line is told apart by its key.
      const line = /^\{"emulatorUrl":.*\}$/m.exec(output);
      if (!line) return;
      child.stdout.off('data', onData);
      const url = (JSON.parse(line[0]) as { emulatorUrl: string }).emulatorUrl;
      resolve({
        url,
        redisDefaultPort,
        stop: () => {
          child.kill('SIGTERM');
          return exited;
        },
      });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('exit', (code) => reject(new Error(`the emulator process exited (${code}) before it answered:\n${output}`)));
  });
}

const REDIS_PORT = 6379;

/** 6379 when nothing holds it (.ci/run stops Debian's redis-server); else the configuration names its port. */
async function redisPortIfFree(): Promise<number> {
  // A Redis of the developer's own on 127.0.0.1:6379 leaves the port free at the loopback aliases (Linux).
  if ((await canBind(REDIS_PORT)) || (process.platform === 'linux' && (await canBind(REDIS_PORT, '127.0.0.2')))) return REDIS_PORT;
  console.warn(`port ${REDIS_PORT} is held by another program at every address: the Terraform configuration that leaves port unset names one instead`);
  return 0;
}

let nextPort = 26100;

/**
 * A port for a configuration to name (or for an emulator's default Redis port), bound only later, once Terraform
 * has applied. Below the OS's ephemeral range and handed out once per run: a port the OS picked could meanwhile
 * be given to any node of the side-by-side emulators (their nodes bind port 0).
 */
export async function configurationPort(): Promise<number> {
  for (;;) {
    const port = nextPort++;
    if (port > 26999) throw new Error('no configuration port left in 26100-26999');
    if (await canBind(port)) return port;
  }
}

export interface Scenario {
  title: string;
  /** The scenario with the longest chain of the provider's fixed 30 s waits: the others' terraform runs niced. */
  critical?: boolean;
  /**
   * Its emulator gives a group created without Port Redis's 6379, as a user's does: the provider reads an unset `port`
   * as 6379 and plans no change only for that port. One scenario at most (they run side by side).
   */
  redisDefaultPort?: boolean;
  run(emulator: RemoteEmulator, newWorkspace: (mainTf: string) => Workspace): Promise<void>;
}

/** Starts the scenario at once; the returned promise is awaited by its own test. */
export function launch(scenario: Scenario, prefix: string): Promise<void> {
  const run = (async () => {
    const emulator = await startEmulatorProcess(scenario.redisDefaultPort ? await redisPortIfFree() : 0);
    const dirs: string[] = [];
    try {
      await scenario.run(emulator, (mainTf) => {
        const dir = workspace(prefix, mainTf);
        dirs.push(dir);
        return new Workspace(dir, !scenario.critical);
      });
    } finally {
      await emulator.stop();
      for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
    }
  })();
  // Its test awaits it later; until then a failure must not count as an unhandled rejection.
  run.catch(() => undefined);
  return run;
}
