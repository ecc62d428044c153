-- Resources are kept as JSON documents of our own record types (src/store/records.ts), keyed the way AWS
-- scopes them: account, region, kind, identifier. Descriptions are derived from them on every read.
CREATE TABLE resources (
  account TEXT NOT NULL,
  region TEXT NOT NULL,
  kind TEXT NOT NULL,
  id TEXT NOT NULL,
  doc TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (account, region, kind, id)
);

CREATE TABLE tags (
  arn TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  position INTEGER NOT NULL,
  PRIMARY KEY (arn, key)
);

CREATE TABLE events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  account TEXT NOT NULL,
  region TEXT NOT NULL,
  source_type TEXT NOT NULL,
  source_id TEXT NOT NULL,
  message TEXT NOT NULL,
  date INTEGER NOT NULL
);
CREATE INDEX events_by_scope ON events (account, region, date);
