import type { Db } from './db.ts';
import type { Kind, RecordKinds, Scope } from './records.ts';

/** One repository serves every kind: rows are JSON documents of the record types, typed by kind. */
export class Resources {
  private readonly stmts;

  constructor(private readonly db: Db) {
    this.stmts = {
      get: db.prepare('SELECT doc FROM resources WHERE account = ? AND region = ? AND kind = ? AND id = ?'),
      list: db.prepare('SELECT doc FROM resources WHERE account = ? AND region = ? AND kind = ? ORDER BY created_at, id'),
      all: db.prepare('SELECT account, region, doc FROM resources WHERE kind = ? ORDER BY created_at, id'),
      insert: db.prepare(
        'INSERT INTO resources (account, region, kind, id, doc, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
      ),
      update: db.prepare('UPDATE resources SET doc = ? WHERE account = ? AND region = ? AND kind = ? AND id = ?'),
      remove: db.prepare('DELETE FROM resources WHERE account = ? AND region = ? AND kind = ? AND id = ?'),
    };
  }

  get<K extends Kind>(scope: Scope, kind: K, id: string): RecordKinds[K] | undefined {
    const row = this.stmts.get.get(scope.account, scope.region, kind, id) as { doc: string } | undefined;
    return row ? (JSON.parse(row.doc) as RecordKinds[K]) : undefined;
  }

  list<K extends Kind>(scope: Scope, kind: K): RecordKinds[K][] {
    return (this.stmts.list.all(scope.account, scope.region, kind) as { doc: string }[]).map(
      (r) => JSON.parse(r.doc) as RecordKinds[K],
    );
  }

  /** Every record of a kind in every account and region: what start-up rebuilds the running world from. */
  all<K extends Kind>(kind: K): { scope: Scope; record: RecordKinds[K] }[] {
    return (this.stmts.all.all(kind) as { account: string; region: string; doc: string }[]).map((r) => ({
      scope: { account: r.account, region: r.region },
      record: JSON.parse(r.doc) as RecordKinds[K],
    }));
  }

  /** False when the identifier is taken: the primary key decides, so two racing creates cannot both win. */
  insert<K extends Kind>(scope: Scope, kind: K, id: string, record: RecordKinds[K]): boolean {
    const info = this.stmts.insert.run(scope.account, scope.region, kind, id, JSON.stringify(record), Date.now());
    return info.changes === 1;
  }

  put<K extends Kind>(scope: Scope, kind: K, id: string, record: RecordKinds[K]): void {
    this.stmts.update.run(JSON.stringify(record), scope.account, scope.region, kind, id);
  }

  remove(scope: Scope, kind: Kind, id: string): void {
    this.stmts.remove.run(scope.account, scope.region, kind, id);
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }
}
