-- Sequence gets an integer id like every other model (the write pipeline addresses rows by id);
-- its name stays unique. The table is rebuilt with its rows.
CREATE TABLE "new_Sequence" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "value" INTEGER NOT NULL
);
INSERT INTO "new_Sequence" ("name", "value") SELECT "name", "value" FROM "Sequence";
DROP TABLE "Sequence";
ALTER TABLE "new_Sequence" RENAME TO "Sequence";
CREATE UNIQUE INDEX "Sequence_name_key" ON "Sequence"("name");
