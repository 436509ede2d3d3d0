/**
 * The physical limit under everything: raw better-sqlite3, one transaction per insert + update
 * (a crate and its warehouse's newest crate), WAL, synchronous=NORMAL, prepared statements.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';

const SECONDS = Number(process.env.BENCH_RAW_SECONDS ?? 3);

export function benchRawSqlite(): Record<string, string | number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'signalyard-bench-raw-'));
  const db = new Database(path.join(dir, 'raw.db'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(`CREATE TABLE w (id INTEGER PRIMARY KEY, newest INTEGER);
             CREATE TABLE c (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT, w INTEGER REFERENCES w(id));
             INSERT INTO w (id) VALUES (1);`);
    const insert = db.prepare('INSERT INTO c (name, w) VALUES (?, 1)');
    const update = db.prepare('UPDATE w SET newest = ? WHERE id = 1');
    const unit = db.transaction((name: string) => {
      const { lastInsertRowid } = insert.run(name);
      update.run(lastInsertRowid);
    });
    const end = performance.now() + SECONDS * 1000;
    let n = 0;
    while (performance.now() < end) {
      for (let i = 0; i < 100; i++) unit(`c${n++}`);
    }
    return { case: 'insert + update, one transaction each', 'transactions/s': Math.round(n / SECONDS) };
  } finally {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
