// Putting RDB bytes on disk the way Redis does: write a temp file in the same directory, fsync,
// then rename over the target, so a crash never leaves a half-written dump.rdb behind.
import { createReadStream } from 'node:fs';
import { open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { RdbFile } from './entries.ts';
import { RdbStreamReader, readRdb, type RdbReadOptions, type RdbRecord } from './reader.ts';

let tempSeq = 0;

/** Writes chunks (e.g. from encodeRdb) atomically; resolves with the number of bytes written. */
export async function writeRdbFile(target: string, chunks: Iterable<Buffer>): Promise<number> {
  const tmp = path.join(path.dirname(target), `temp-${process.pid}-${++tempSeq}.rdb`);
  const fh = await open(tmp, 'w');
  let total = 0;
  try {
    for (const c of chunks) {
      let off = 0;
      while (off < c.length) {
        const { bytesWritten } = await fh.write(c, off, c.length - off);
        off += bytesWritten;
      }
      total += c.length;
    }
    await fh.sync();
  } catch (e) {
    await fh.close();
    await rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  await rename(tmp, target);
  return total;
}

export async function readRdbFile(file: string, opts: RdbReadOptions = {}): Promise<RdbFile> {
  return readRdb(await readFile(file), opts);
}

/** Reads a file of any size record by record, holding only the record being parsed in memory. */
export async function* iterateRdbFile(file: string, opts: RdbReadOptions = {}): AsyncGenerator<RdbRecord, void, undefined> {
  const reader = new RdbStreamReader(opts);
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    yield* reader.push(chunk as Buffer);
    if (reader.finished) return;
  }
  reader.end();
}
