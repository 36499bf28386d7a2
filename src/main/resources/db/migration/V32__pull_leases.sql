-- A pull of a source runs on one engine at a time, whichever engine or operator starts it (README "Operating several
-- instances"): each run takes its source's lease first, renews it with every result page and gives it back when it
-- ends. A lease whose engine died runs out (until), and the next run takes it over.
CREATE TABLE notion_sync.pull_leases (
    source     text        PRIMARY KEY,
    holder     text        NOT NULL,   -- the run holding it: its engine instance and run id
    taken_at   timestamptz NOT NULL DEFAULT now(),
    until      timestamptz NOT NULL
);
