// EVALSHA of a one-line INCR script and FCALL of the same as a function, through redis-benchmark,
// against our engine (child process) and redis-server in the same run, at -P 1 and -P 16.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { freePort, startProcess, stop } from './redis.ts';

const CLIENTS = 50;
const REQUESTS = 100000;
const PIPELINES = [1, 16];
const REPEATS = 2;
const SCRIPT = "return redis.call('INCR', KEYS[1])";
const LIBRARY = "#!lua name=benchlib\nredis.register_function('incr1', function(keys) return redis.call('INCR', keys[1]) end)";

function cli(port: number, args: string[]): string {
  const r = spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`redis-cli failed: ${r.stderr}`);
  return r.stdout.trim();
}

function runCustom(port: number, command: string[], pipeline: number): number {
  const r = spawnSync('redis-benchmark', ['-p', String(port), '-q', '-c', String(CLIENTS), '-n', String(REQUESTS), '-P', String(pipeline), '-r', '1000', '--csv', ...command], { encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) throw new Error(`redis-benchmark failed: ${r.stderr}`);
  for (const line of r.stdout.split('\n')) {
    const m = /^"([^"]+)","([0-9.]+)"/.exec(line.trim());
    if (m) return Number(m[2]);
  }
  throw new Error(`no result: ${r.stdout}`);
}

export async function benchScripting(): Promise<string> {
  const oursPort = await freePort();
  const realPort = await freePort();
  const ours = await startProcess(process.execPath, ['bin/run-ts.mjs', 'engines/redis/standalone.ts', '--port', String(oursPort)], 'Ready to accept connections');
  let real: ChildProcess | null = null;
  const lines = ['| test | -P | ours (req/s) | redis-server (req/s) | ratio |', '|---|---:|---:|---:|---:|'];
  try {
    real = await startProcess('redis-server', ['--port', String(realPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], 'Ready to accept connections');
    const sha = cli(oursPort, ['SCRIPT', 'LOAD', SCRIPT]);
    if (cli(realPort, ['SCRIPT', 'LOAD', SCRIPT]) !== sha) throw new Error('script sha differs');
    for (const port of [oursPort, realPort]) cli(port, ['FUNCTION', 'LOAD', 'REPLACE', LIBRARY]);
    const tests: [string, string[]][] = [
      ['EVALSHA incr', ['EVALSHA', sha, '1', 'key:__rand_int__']],
      ['FCALL incr', ['FCALL', 'incr1', '1', 'key:__rand_int__']],
    ];
    for (const pipeline of PIPELINES) {
      for (const [name, command] of tests) {
        let bestOurs = 0;
        let bestReal = 0;
        for (let i = 0; i < REPEATS; i++) {
          bestOurs = Math.max(bestOurs, runCustom(oursPort, command, pipeline));
          bestReal = Math.max(bestReal, runCustom(realPort, command, pipeline));
        }
        lines.push(`| ${name} | ${pipeline} | ${bestOurs.toFixed(0)} | ${bestReal.toFixed(0)} | ${(bestOurs / bestReal).toFixed(2)}x |`);
      }
    }
  } finally {
    await stop(ours);
    if (real) await stop(real);
  }
  return lines.join('\n');
}
