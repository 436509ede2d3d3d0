/**
 * Generates the PostgreSQL variant of the data model from prisma/schema.prisma (the one source
 * of truth): prisma/postgresql/schema.prisma, and, when the model changed, a new migration under
 * prisma/postgresql/migrations made by `prisma migrate diff` from the committed variant to the
 * new one. `--check` only reports whether the committed variant is what schema.prisma gives.
 *
 *   npx tsx scripts/pg-schema.ts <migration-name>   # after editing prisma/schema.prisma
 *   npx tsx scripts/pg-schema.ts --check
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const source = path.join(root, 'prisma', 'schema.prisma');
export const variantPath = path.join(root, 'prisma', 'postgresql', 'schema.prisma');
export const pgMigrationsDir = path.join(root, 'prisma', 'postgresql', 'migrations');

const HEADER = `// GENERATED from prisma/schema.prisma by scripts/pg-schema.ts: do not edit by hand.
// The PostgreSQL variant: same models, provider postgresql, its own client (src/generated/prisma-pg).
`;

function block(text: string, kind: string, name: string): RegExp {
  void text;
  return new RegExp(`${kind}\\s+${name}\\s*\\{[^}]*\\}\\n?`, 'm');
}

/** The variant's text for a given schema.prisma text. */
export function variantOf(schema: string): string {
  let out = schema.replace(block(schema, 'generator', 'pothos'), '');
  out = out.replace(
    block(out, 'datasource', 'db'),
    'datasource db {\n  provider = "postgresql"\n  url      = "postgresql://unused@localhost/unused"\n}\n',
  );
  out = out.replace(
    /output(\s*)= "\.\.\/src\/generated\/prisma"/,
    'output$1= "../../src/generated/prisma-pg"',
  );
  if (!out.includes('src/generated/prisma-pg'))
    throw new Error('schema.prisma: the client generator output was not found');
  return HEADER + out.replace(/^\/\/ The whole data model[^\n]*\n(\/\/[^\n]*\n)*/, '');
}

function prisma(args: string[]): string {
  // The CLI loads prisma.config.ts, which opens DATABASE_URL even for a diff of two datamodels.
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'signalyard-pg-schema-'));
  try {
    return execFileSync(process.execPath, [path.join(root, 'node_modules/prisma/build/index.js'), ...args], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: `file:${path.join(scratch, 'diff.db')}` },
      encoding: 'utf8',
    });
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** SQL taking a database from datamodel `from` (null: empty) to `to`. */
export function diffSql(from: string | null, to: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'signalyard-pg-diff-'));
  try {
    const toFile = path.join(dir, 'to.prisma');
    fs.writeFileSync(toFile, to);
    const fromArgs =
      from === null ? ['--from-empty'] : ['--from-schema-datamodel', path.join(dir, 'from.prisma')];
    if (from !== null) fs.writeFileSync(path.join(dir, 'from.prisma'), from);
    return prisma(['migrate', 'diff', ...fromArgs, '--to-schema-datamodel', toFile, '--script']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function stamp(): string {
  return new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

function main(): void {
  const [arg] = process.argv.slice(2);
  const wanted = variantOf(fs.readFileSync(source, 'utf8'));
  const current = fs.existsSync(variantPath) ? fs.readFileSync(variantPath, 'utf8') : null;
  if (arg === '--check') {
    if (current !== wanted) {
      console.error('prisma/postgresql/schema.prisma is stale: run npx tsx scripts/pg-schema.ts <name>');
      process.exit(1);
    }
    return;
  }
  if (current === wanted) {
    console.log('prisma/postgresql/schema.prisma is up to date; no migration needed');
    return;
  }
  const name = arg ?? 'change';
  const sql = diffSql(current, wanted);
  const dir = path.join(pgMigrationsDir, `${stamp()}_${name}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'migration.sql'), sql);
  fs.writeFileSync(variantPath, wanted);
  console.log(`wrote ${path.relative(root, variantPath)} and ${path.relative(root, dir)}/migration.sql`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) main();
