-- Link events are numbered at commit (issue 15). A row takes a provisional number from the
-- sequence when it is written, and a deferred constraint trigger gives it its final number while
-- its transaction commits, under a transaction-level advisory lock held to the end of the
-- commit. So numbers still become visible in increasing order (a reader resuming after N
-- never misses a row that commits later with a smaller one), but writers wait for each other
-- only for their commit, not from their events' INSERT through the rest of the transaction.
-- The body is an E'' string with \073 for the semicolon: Prisma's pg adapter splits a script
-- at every literal semicolon, even inside a quoted function body.
CREATE FUNCTION "LinkEvent_number_at_commit"() RETURNS trigger LANGUAGE plpgsql AS E'
BEGIN
  PERFORM pg_advisory_xact_lock(7305001)\073
  UPDATE "LinkEvent" SET sequence = nextval(\'"LinkEvent_sequence_seq"\') WHERE id = NEW.id\073
  RETURN NULL\073
END';

CREATE CONSTRAINT TRIGGER "LinkEvent_number_at_commit"
  AFTER INSERT ON "LinkEvent" DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION "LinkEvent_number_at_commit"();
