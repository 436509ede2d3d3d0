-- Written by hand: what Prisma does not model, the PostgreSQL side of the SQLite migrations'
-- hand-written parts (scripts/pg-schema.ts generates the rest from prisma/schema.prisma).

-- CHECK constraints, as in the SQLite migrations (INTEGER is 32-bit here, so no int32 checks).
ALTER TABLE "User" ADD CONSTRAINT "User_username_normalised"
    CHECK ("username" = lower("username") AND length("username") BETWEEN 1 AND 64);
ALTER TABLE "Warehouse" ADD CONSTRAINT "Warehouse_name_length" CHECK (length("name") BETWEEN 1 AND 128);
ALTER TABLE "Crate" ADD CONSTRAINT "Crate_name_length" CHECK (length("name") BETWEEN 1 AND 64);
ALTER TABLE "InventoryItem" ADD CONSTRAINT "InventoryItem_item_length" CHECK (length("item") BETWEEN 1 AND 20);
ALTER TABLE "InventoryItem" ADD CONSTRAINT "InventoryItem_itemCondition_length"
    CHECK (length("itemCondition") BETWEEN 1 AND 50);
ALTER TABLE "InventoryItem" ADD CONSTRAINT "InventoryItem_quantity_non_negative" CHECK ("quantity" >= 0);
ALTER TABLE "Order" ADD CONSTRAINT "Order_quantity_positive" CHECK ("quantity" > 0);

-- Named sequences for nextSequenceValue (order numbers, crate creation order): nextval never
-- hands a value out twice and never takes one back (a rolled-back order leaves a gap).
CREATE SEQUENCE "Sequence_order" AS INTEGER;
CREATE SEQUENCE "Sequence_crate" AS INTEGER;

-- The outbox as units of work write it. Its ids follow insertion, not commit order; the
-- sequencer (src/db/dialects/postgresql/sequencer.ts) moves committed rows into "Event",
-- numbering them in the order they become visible there. "Event"."id" is the public cursor.
CREATE TABLE "EventPending" (
    "pid" BIGSERIAL PRIMARY KEY,
    "model" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "rowId" INTEGER NOT NULL,
    "created" BOOLEAN NOT NULL DEFAULT false,
    "updateFields" TEXT,
    "audience" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT (clock_timestamp() AT TIME ZONE 'UTC')
);
