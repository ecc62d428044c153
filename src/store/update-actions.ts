import type { Db } from './db.ts';
import type { Scope } from './records.ts';

/** Service update progress per resource (documents of the caller's own record type) and the catalogue's anchor date. */
export class UpdateActions<T> {
  private readonly stmts;

  constructor(db: Db) {
    this.stmts = {
      get: db.prepare('SELECT doc FROM update_actions WHERE account = ? AND region = ? AND key = ?'),
      all: db.prepare('SELECT account, region, key, doc FROM update_actions'),
      put: db.prepare(
        'INSERT INTO update_actions (account, region, key, doc) VALUES (?, ?, ?, ?) ON CONFLICT (account, region, key) DO UPDATE SET doc = excluded.doc',
      ),
      anchor: db.prepare("SELECT value FROM settings WHERE name = 'service-update-anchor'"),
      setAnchor: db.prepare("INSERT INTO settings (name, value) VALUES ('service-update-anchor', ?) ON CONFLICT (name) DO NOTHING"),
    };
  }

  get(scope: Scope, key: string): T | undefined {
    const row = this.stmts.get.get(scope.account, scope.region, key) as { doc: string } | undefined;
    return row ? (JSON.parse(row.doc) as T) : undefined;
  }

  put(scope: Scope, key: string, doc: T): void {
    this.stmts.put.run(scope.account, scope.region, key, JSON.stringify(doc));
  }

  all(): { scope: Scope; key: string; doc: T }[] {
    return (this.stmts.all.all() as { account: string; region: string; key: string; doc: string }[]).map((r) => ({
      scope: { account: r.account, region: r.region },
      key: r.key,
      doc: JSON.parse(r.doc) as T,
    }));
  }

  /** The anchor stored first wins: later calls answer it instead of `now`. */
  anchor(now: number): number {
    this.stmts.setAnchor.run(String(now));
    return Number((this.stmts.anchor.get() as { value: string }).value);
  }
}
