-- Progress of service updates through BatchApplyUpdateAction, one JSON document per resource and update,
-- and the date the emulator first published its service update catalogue (the updates' names derive
-- from it, so a restart must keep it for the progress to keep matching).
CREATE TABLE update_actions (
  account TEXT NOT NULL,
  region TEXT NOT NULL,
  key TEXT NOT NULL,
  doc TEXT NOT NULL,
  PRIMARY KEY (account, region, key)
);

CREATE TABLE settings (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
