// Deep copies for COPY: the copy must not share mutable collections with the source.
import { Stream } from '../types/stream.ts';
import { ZSet } from '../types/zset.ts';
import type { RObj } from './objects.ts';
import { SplitMap, SplitSet } from './split-table.ts';
import { eachInSteps, mapInSteps, runSteps, type Steps } from '../../slices.ts';

/** A deep copy of `o`. */
export function cloneObject(o: RObj): RObj {
  return runSteps(cloneInSteps(o));
}

/**
 * A deep copy of `o`, an element per step (COPY of a million-member set held every node for ~1.7 s whole);
 * `o` must not change until the last step.
 */
export function* cloneInSteps(o: RObj): Steps<RObj> {
  switch (o.type) {
    case 'string':
      return { type: 'string', v: o.v, enc: o.enc, mem: 0 };
    case 'list':
      return { type: 'list', v: o.v.clone(), mem: 0 };
    case 'hash': {
      const v = new SplitMap<string>();
      yield* eachInSteps(o.v, ([f, x]) => v.set(f, x));
      return { type: 'hash', v, big: o.big, mem: 0 };
    }
    case 'set': {
      const v = new SplitSet();
      yield* eachInSteps(o.v, (m) => v.add(m));
      return { type: 'set', v, big: o.big, mem: 0 };
    }
    case 'zset': {
      const z = new ZSet();
      const append = z.appender();
      yield* eachInSteps(o.v.entries(), ([m, s]) => append(m, s));
      return { type: 'zset', v: z, big: o.big, mem: 0 };
    }
    case 'stream': {
      const s = new Stream();
      s.entries = yield* mapInSteps(o.v.entries, (e) => ({ id: { ...e.id }, fields: [...e.fields] }));
      s.lastId = { ...o.v.lastId };
      s.maxDeletedId = { ...o.v.maxDeletedId };
      s.entriesAdded = o.v.entriesAdded;
      s.groupsTree = o.v.groups.size > 0;
      for (const [name, g] of o.v.groups) {
        const pending = new Map([...g.pending].map(([k, p]) => [k, { ...p }]));
        const consumers = new Map(
          [...g.consumers].map(([n, cons]) => [n, { ...cons, pending: new Map([...cons.pending.keys()].map((k) => [k, pending.get(k) ?? { ...(cons.pending.get(k) as NonNullable<ReturnType<typeof cons.pending.get>>) }])) }]),
        );
        s.groups.set(name, { name, lastId: { ...g.lastId }, entriesRead: g.entriesRead, pending, consumers });
      }
      return { type: 'stream', v: s, mem: 0 };
    }
  }
}
