// One fuzz batch sent to real memcached and to our engine on fresh connections, replies compared;
// a failing batch is shrunk to the fewest commands that still differ.
import { binaryExchange, describe as describePackets, packet } from './binary-helpers.ts';
import { fuzzBatch, type FuzzBatch } from './fuzz-generator.ts';
import { normalize, textExchange } from './helpers.ts';
import { int, rng } from './random.ts';

export interface FuzzMismatch {
  seed: number;
  batch: number;
  binary: boolean;
  commands: Buffer[];
  real: string;
  ours: string;
}

// Every batch starts from an empty cache so batches (and the commands of a shrunk batch) stand alone.
const TEXT_RESET = Buffer.from('flush_all\r\n');
const BINARY_RESET = packet({ opcode: 0x08, opaque: 0 });

async function reply(port: number, batch: FuzzBatch): Promise<string> {
  if (batch.binary) {
    const r = await binaryExchange(port, [BINARY_RESET, ...batch.commands]);
    return describePackets(r.packets, r.closed).join('\n') + (r.rest ? `\n<${r.rest} stray bytes>` : '');
  }
  const r = await textExchange(port, Buffer.concat([TEXT_RESET, ...batch.commands]));
  return normalize(r.reply.toString('latin1')) + (r.closed ? '\r\n<closed>' : '');
}

async function differs(real: number, ours: number, batch: FuzzBatch): Promise<{ real: string; ours: string } | null> {
  const [a, b] = [await reply(real, batch), await reply(ours, batch)];
  return a === b ? null : { real: a, ours: b };
}

/** Drops commands one at a time while the batch still differs (a batch is at most a few dozen). */
async function shrink(real: number, ours: number, batch: FuzzBatch): Promise<FuzzBatch> {
  let current = batch;
  for (let changed = true; changed; ) {
    changed = false;
    for (let i = 0; i < current.commands.length; i++) {
      const candidate = { ...current, commands: current.commands.filter((_, j) => j !== i) };
      if (await differs(real, ours, candidate)) {
        current = candidate;
        changed = true;
        i--;
      }
    }
  }
  return current;
}

export interface FuzzOptions {
  batches: number;
  /** Shrink a failing batch before reporting it (costs many more exchanges). */
  shrink?: boolean;
  /** Text batches also carry lines and runs past memcached's 16 KB read buffer (fuzz-generator's longCommand). */
  longLines?: boolean;
}

/** Runs one seed; returns the first batch whose replies differ, or null. */
export async function fuzzSeed(seed: number, real: number, ours: number, options: FuzzOptions): Promise<FuzzMismatch | null> {
  const r = rng(seed);
  for (let b = 0; b < options.batches; b++) {
    const batch = fuzzBatch(r, r() < 0.3, int(r, 1, 24), options.longLines);
    let diff = await differs(real, ours, batch);
    if (!diff) continue;
    let shown = batch;
    if (options.shrink) {
      shown = await shrink(real, ours, batch);
      diff = (await differs(real, ours, shown)) ?? diff;
    }
    return { seed, batch: b, binary: batch.binary, commands: shown.commands, ...diff };
  }
  return null;
}

/** A mismatch as a reader wants it: the commands, then both replies. */
export function formatMismatch(m: FuzzMismatch): string {
  const commands = m.commands.map((c) => (m.binary ? c.toString('hex') : JSON.stringify(c.toString('latin1'))));
  return [`seed ${m.seed} batch ${m.batch} (${m.binary ? 'binary' : 'text'})`, ...commands.map((c) => '  > ' + c),
    '--- memcached', m.real, '--- ours', m.ours].join('\n');
}

/** Two transcripts split into lines, and the index of the first line where they part (-1: none). */
export function firstDifference(real: string, ours: string): { at: number; real: string[]; ours: string[] } {
  const a = real.split('\r\n');
  const b = ours.split('\r\n');
  return { at: a.findIndex((line, i) => line !== b[i]), real: a, ours: b };
}
