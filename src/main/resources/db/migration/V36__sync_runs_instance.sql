-- Polls and sweeps are clustered Quartz jobs (README "Operating several instances"): any instance may run a source's
-- next pull. Each run names the instance that ran it (its Quartz instance id, as in notion_sync.qrtz_scheduler_state),
-- so an operator sees how the polls spread and which instance took over a dead one's. Runs before V36 have none.
ALTER TABLE notion_sync.sync_runs ADD COLUMN instance text;
