import type { Db } from './db.ts';
import type { Scope } from './records.ts';

export type SourceType =
  | 'cache-cluster'
  | 'cache-parameter-group'
  | 'cache-security-group'
  | 'cache-subnet-group'
  | 'replication-group'
  | 'serverless-cache'
  | 'serverless-cache-snapshot'
  | 'user'
  | 'user-group';

/** An event of no resource (an api-error fault: it concerns API actions) has neither source type nor id. */
export interface EventRow {
  sourceType: SourceType | null;
  sourceId: string | null;
  message: string;
  date: number;
}

export interface EventQuery {
  sourceType?: string;
  sourceId?: string;
  startTime: number;
  endTime: number;
}

export class Events {
  constructor(private readonly db: Db) {}

  record(scope: Scope, sourceType: SourceType | null, sourceId: string | null, message: string, date: number): void {
    // Stored as '' (the columns are NOT NULL), which no source filter matches.
    this.db
      .prepare('INSERT INTO events (account, region, source_type, source_id, message, date) VALUES (?, ?, ?, ?, ?, ?)')
      .run(scope.account, scope.region, sourceType ?? '', sourceId ?? '', message, date);
  }

  /** Newest first, as DescribeEvents lists them. */
  query(scope: Scope, q: EventQuery): EventRow[] {
    const where = ['account = ?', 'region = ?', 'date >= ?', 'date <= ?'];
    const args: (string | number)[] = [scope.account, scope.region, q.startTime, q.endTime];
    if (q.sourceType) {
      where.push('source_type = ?');
      args.push(q.sourceType);
    }
    if (q.sourceId) {
      where.push('source_id = ?');
      args.push(q.sourceId);
    }
    const rows = this.db
      .prepare(`SELECT source_type, source_id, message, date FROM events WHERE ${where.join(' AND ')} ORDER BY date DESC, seq DESC`)
      .all(...args) as { source_type: SourceType | ''; source_id: string; message: string; date: number }[];
    return rows.map((r) => ({ sourceType: r.source_type || null, sourceId: r.source_id || null, message: r.message, date: r.date }));
  }
}
