-- Hardening (issue 11). Hand-written parts: the table redefinitions that add CHECK constraints
-- (Prisma does not model them) and the copy that normalises existing usernames.
--
-- User.username becomes the sign-in key: NFKC + case-folded by the server, kept lower case here.
-- Existing rows are lower-cased; a row whose lower-cased name is already taken by an older row
-- keeps its name in displayName and gets the key "<name>-<id>" (it can no longer sign in under
-- the confusable name: that is the point).
-- InventoryItem.quantity / itemCode and Order.quantity stay inside GraphQL's 32-bit Int.

PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;

-- RedefineTables
CREATE TABLE "new_User" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "username" TEXT NOT NULL,
    "displayName" TEXT,
    "passwordHash" TEXT NOT NULL,
    "role" TEXT NOT NULL DEFAULT 'CUSTOMER',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "User_username_normalised" CHECK ("username" = lower("username") AND length("username") BETWEEN 1 AND 64)
);
INSERT INTO "new_User" ("id", "username", "displayName", "passwordHash", "role", "createdAt")
SELECT
    "u"."id",
    CASE
        WHEN EXISTS (SELECT 1 FROM "User" AS "older" WHERE lower("older"."username") = lower("u"."username") AND "older"."id" < "u"."id")
        THEN lower("u"."username") || '-' || "u"."id"
        ELSE lower("u"."username")
    END,
    CASE WHEN "u"."username" <> lower("u"."username") THEN "u"."username" END,
    "u"."passwordHash",
    "u"."role",
    "u"."createdAt"
FROM "User" AS "u";
DROP TABLE "User";
ALTER TABLE "new_User" RENAME TO "User";
CREATE UNIQUE INDEX "User_username_key" ON "User"("username");

CREATE TABLE "new_InventoryItem" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "item" TEXT NOT NULL,
    "itemCode" INTEGER NOT NULL,
    "itemCondition" TEXT NOT NULL,
    "quantity" INTEGER NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "InventoryItem_item_length" CHECK (length("item") BETWEEN 1 AND 20),
    CONSTRAINT "InventoryItem_itemCondition_length" CHECK (length("itemCondition") BETWEEN 1 AND 50),
    CONSTRAINT "InventoryItem_quantity_non_negative" CHECK ("quantity" >= 0),
    CONSTRAINT "InventoryItem_quantity_int32" CHECK ("quantity" <= 2147483647),
    CONSTRAINT "InventoryItem_itemCode_int32" CHECK ("itemCode" BETWEEN -2147483648 AND 2147483647)
);
INSERT INTO "new_InventoryItem" ("id", "item", "itemCode", "itemCondition", "quantity", "createdAt")
SELECT "id", "item", "itemCode", "itemCondition", "quantity", "createdAt" FROM "InventoryItem";
DROP TABLE "InventoryItem";
ALTER TABLE "new_InventoryItem" RENAME TO "InventoryItem";

CREATE TABLE "new_Order" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "ordNumber" TEXT NOT NULL,
    "inventoryItemId" INTEGER NOT NULL,
    "orderedById" INTEGER NOT NULL,
    "quantity" INTEGER NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'PLACED',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Order_inventoryItemId_fkey" FOREIGN KEY ("inventoryItemId") REFERENCES "InventoryItem" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Order_orderedById_fkey" FOREIGN KEY ("orderedById") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Order_quantity_positive" CHECK ("quantity" > 0),
    CONSTRAINT "Order_quantity_int32" CHECK ("quantity" <= 2147483647)
);
INSERT INTO "new_Order" ("id", "ordNumber", "inventoryItemId", "orderedById", "quantity", "status", "createdAt")
SELECT "id", "ordNumber", "inventoryItemId", "orderedById", "quantity", "status", "createdAt" FROM "Order";
DROP TABLE "Order";
ALTER TABLE "new_Order" RENAME TO "Order";
CREATE UNIQUE INDEX "Order_ordNumber_key" ON "Order"("ordNumber");
CREATE INDEX "Order_orderedById_idx" ON "Order"("orderedById");
CREATE INDEX "Order_inventoryItemId_idx" ON "Order"("inventoryItemId");

PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateTable
CREATE TABLE "RateLimit" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "key" TEXT NOT NULL,
    "points" INTEGER NOT NULL,
    "expire" DATETIME
);

-- CreateIndex
CREATE UNIQUE INDEX "RateLimit_key_key" ON "RateLimit"("key");

-- CreateIndex
CREATE INDEX "RateLimit_expire_idx" ON "RateLimit"("expire");
