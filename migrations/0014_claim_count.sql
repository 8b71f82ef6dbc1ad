-- How many times a worker has claimed a generation. A job whose instance dies is claimed again
-- when its lease runs out; one that keeps killing the instance running it (or that keeps being
-- orphaned for another reason) would otherwise be sent upstream, and paid for, without end.
-- Past the limit the claim ends it `failed` (`reclaim_limit`) instead. A lease handed back on
-- a graceful shutdown takes its claim back, since nothing went wrong with the job.
-- Rows that ran before this migration start at 0 (a constant default: no table rewrite).
ALTER TABLE generations ADD COLUMN claims integer NOT NULL DEFAULT 0 CHECK (claims >= 0);

-- When the job's call was sent upstream. A job whose instance died after that is never sent
-- again: Google may have answered (and billed) the first call, and only the dead instance knew.
-- It ends `failed` (`instance_lost`) instead. A lease handed back by a graceful shutdown clears
-- it: that instance stopped the call itself, so it knows no answer came.
ALTER TABLE generations ADD COLUMN sent_at timestamptz;
