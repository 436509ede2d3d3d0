import fs from 'node:fs';
import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { DataLayer } from '../db/index.js';
import type { Context } from '../schema/context.js';
import { codedError } from '../schema/errors.js';

/**
 * The SQLite file the server opened, by identity (device + inode). A folder deleted or moved
 * away while running leaves the open connection writing into a file nobody will read again:
 * `/health` and every mutation check that the path still names the file that was opened.
 */
export class DatabaseFile {
  readonly #path: string | null;
  readonly #identity: string | null;

  constructor(path: string | null) {
    this.#path = path;
    this.#identity = path === null ? null : DatabaseFile.#identityOf(path);
  }

  static #identityOf(path: string): string | null {
    try {
      const stat = fs.statSync(path);
      return `${stat.dev}:${stat.ino}`;
    } catch {
      return null;
    }
  }

  /** Why the file cannot be trusted now, or null when it is the one that was opened. */
  problem(): string | null {
    if (this.#path === null || this.#identity === null) return null;
    const now = DatabaseFile.#identityOf(this.#path);
    if (now === null) return `the database file ${this.#path} is gone`;
    if (now !== this.#identity) return `the database file ${this.#path} was replaced while the server ran`;
    return null;
  }
}

/** `GET /health`: 200 when the database file is the one opened and answers a query, 503 naming the part otherwise. */
export function useDatabaseHealth(data: DataLayer, file: DatabaseFile): Plugin {
  return {
    async onRequest({ request, url, endResponse }) {
      if (url.pathname !== '/health' || request.method !== 'GET') return;
      const unavailable = (reason: string) =>
        endResponse(Response.json({ status: 'unavailable', failing: 'database', reason }, { status: 503 }));
      const problem = file.problem();
      if (problem) return unavailable(problem);
      try {
        await data.reader.$queryRawUnsafe('SELECT 1');
        endResponse(Response.json({ status: 'ok' }));
      } catch {
        unavailable('database did not answer');
      }
    },
  };
}

function refusal(problem: string, written: boolean) {
  const what = written ? 'this write may not have been saved' : 'nothing was written';
  return codedError(
    'SERVICE_UNAVAILABLE',
    `Writes are refused: ${problem}; ${what}. Retry once /health is 200`,
    {},
    {},
  );
}

/**
 * Mutations are refused while the database file is not the one opened, and a mutation that ran
 * while it disappeared is not acknowledged: its answer is replaced by the same refusal.
 */
export function useWriteGuard(file: DatabaseFile): Plugin<Context> {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const operation = getOperationAST(args.document, args.operationName);
      if (operation?.operation !== 'mutation') return;
      const before = file.problem();
      if (before) {
        setResultAndStopExecution({ errors: [refusal(before, false)] });
        return;
      }
      return {
        onExecuteDone({ result, setResult }) {
          const after = file.problem();
          if (after && !(Symbol.asyncIterator in result)) setResult({ errors: [refusal(after, true)] });
        },
      };
    },
  };
}
