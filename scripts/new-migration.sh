#!/usr/bin/env bash
# Makes prisma/migrations/<timestamp>_<name>/migration.sql from the change to schema.prisma since
# a git revision (default HEAD). Offline: `prisma migrate dev` needs a shadow database, so this
# diffs the two datamodels instead. Hand-written SQL (CHECK constraints) is added by hand.
set -euo pipefail
name=${1:?usage: scripts/new-migration.sh <name> [git-rev]}
rev=${2:-HEAD}
cd "$(dirname "$0")/.."
old=$(mktemp --suffix=.prisma)
scratch=$(mktemp -d)
trap 'rm -rf "$old" "$scratch"' EXIT
git show "$rev:prisma/schema.prisma" > "$old"
dir="prisma/migrations/$(date -u +%Y%m%d%H%M%S)_${name}"
mkdir -p "$dir"
# The CLI opens DATABASE_URL through prisma.config.ts even for a diff of two datamodels; a
# scratch file keeps it from failing when the default ./data folder does not exist.
DATABASE_URL="file:$scratch/diff.db" npx prisma migrate diff --from-schema-datamodel "$old" --to-schema-datamodel prisma/schema.prisma --script > "$dir/migration.sql"
echo "wrote $dir/migration.sql"
