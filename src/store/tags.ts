import type { Db } from './db.ts';

export interface TagPair {
  Key: string;
  Value: string;
}

export class Tags {
  constructor(private readonly db: Db) {}

  list(arn: string): TagPair[] {
    return (
      this.db.prepare('SELECT key, value FROM tags WHERE arn = ? ORDER BY position').all(arn) as { key: string; value: string }[]
    ).map((r) => ({ Key: r.key, Value: r.value }));
  }

  /** Adds or overwrites, keeping the first-set order as AWS lists them. */
  add(arn: string, tags: TagPair[]): void {
    const next = this.db.prepare('SELECT COALESCE(MAX(position), 0) + 1 AS p FROM tags WHERE arn = ?');
    const upsert = this.db.prepare(
      'INSERT INTO tags (arn, key, value, position) VALUES (?, ?, ?, ?) ON CONFLICT (arn, key) DO UPDATE SET value = excluded.value',
    );
    this.db.transaction(() => {
      for (const t of tags) upsert.run(arn, t.Key, t.Value, (next.get(arn) as { p: number }).p);
    })();
  }

  remove(arn: string, keys: string[]): void {
    const del = this.db.prepare('DELETE FROM tags WHERE arn = ? AND key = ?');
    this.db.transaction(() => {
      for (const k of keys) del.run(arn, k);
    })();
  }

  removeAll(arn: string): void {
    this.db.prepare('DELETE FROM tags WHERE arn = ?').run(arn);
  }
}
