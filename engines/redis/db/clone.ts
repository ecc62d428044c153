// Deep copies for COPY: the copy must not share mutable collections with the source.
import { Stream } from '../types/stream.ts';
import { ZSet } from '../types/zset.ts';
import type { RObj } from './objects.ts';

export function cloneObject(o: RObj): RObj {
  switch (o.type) {
    case 'string':
      return { type: 'string', v: o.v, enc: o.enc, mem: 0 };
    case 'list':
      return { type: 'list', v: o.v.clone(), mem: 0, fill: o.fill, compressDepth: o.compressDepth };
    case 'hash':
      return { type: 'hash', v: new Map(o.v), big: o.big, mem: 0 };
    case 'set':
      return { type: 'set', v: new Set(o.v), big: o.big, mem: 0 };
    case 'zset': {
      const z = new ZSet();
      const append = z.appender();
      for (const [m, s] of o.v.entries()) append(m, s);
      return { type: 'zset', v: z, big: o.big, mem: 0 };
    }
    case 'stream': {
      const s = new Stream();
      s.entries = o.v.entries.map((e) => ({ id: { ...e.id }, fields: [...e.fields] }));
      s.lastId = { ...o.v.lastId };
      s.maxDeletedId = { ...o.v.maxDeletedId };
      s.entriesAdded = o.v.entriesAdded;
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
