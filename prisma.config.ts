import path from 'node:path';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { defineConfig } from 'prisma/config';

// The Rust-free setup: the CLI talks to the database through the same driver adapter as
// the app, so nothing is downloaded. Only SQLite URLs are handled here; PostgreSQL comes later.
const url = process.env.DATABASE_URL ?? 'file:./data/dev.db';

export default defineConfig({
  schema: path.join('prisma', 'schema.prisma'),
  migrations: { path: path.join('prisma', 'migrations') },
  experimental: { adapter: true },
  engine: 'js',
  async adapter() {
    return new PrismaBetterSQLite3({ url });
  },
});
