-- DropIndex
DROP INDEX "Crate_warehouseId_createdAt_idx";

-- CreateIndex
CREATE INDEX "Crate_warehouseId_id_idx" ON "Crate"("warehouseId", "id");

