-- Written by hand (ALTER TABLE keeps the CHECK constraints a table rebuild would drop).

-- Named sequences: order numbers and crate creation order, never re-issued.
CREATE TABLE "Sequence" (
    "name" TEXT NOT NULL PRIMARY KEY,
    "value" INTEGER NOT NULL
);

-- Crate creation order: existing crates keep their id order; the sequence continues after it.
ALTER TABLE "Crate" ADD COLUMN "createdSeq" INTEGER NOT NULL DEFAULT 0;
UPDATE "Crate" SET "createdSeq" = "id";
CREATE INDEX "Crate_warehouseId_createdSeq_idx" ON "Crate"("warehouseId", "createdSeq");
INSERT INTO "Sequence" ("name", "value") SELECT 'crate', COALESCE(MAX("id"), 0) FROM "Crate";

-- Order numbers were "highest order id + 1": continue above every number already handed out.
INSERT INTO "Sequence" ("name", "value")
SELECT 'order', MAX(COALESCE(MAX("id"), 0), COALESCE(MAX(CAST(substr("ordNumber", 5) AS INTEGER)), 0)) FROM "Order";

-- Events are delivered in cursor order by a log tailer: the published mark is gone.
DROP INDEX "Event_publishedAt_idx";
ALTER TABLE "Event" DROP COLUMN "publishedAt";
