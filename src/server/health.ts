import fs from 'node:fs';
import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { DataLayer } from '../db/index.js';
import type { Realtime } from '../realtime/index.js';
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

/** Why the database cannot be trusted or does not answer, or null when it answers. */
async function databaseProblem(data: DataLayer, file: DatabaseFile): Promise<string | null> {
  const problem = file.problem();
  if (problem) return problem;
  try {
    await data.reader.$queryRawUnsafe('SELECT 1');
    return null;
  } catch {
    return 'database did not answer';
  }
}

/**
 * `GET /health`: 200 when the database file is the one opened and answers a query and the event
 * transport (Redis, when configured) answers; 503 naming the failing parts otherwise
 * (`failing: "redis"`, or `"database, redis"` when both fail), checked at once, not in turn.
 */
export function useHealth(data: DataLayer, file: DatabaseFile, realtime?: Realtime): Plugin {
  return {
    async onRequest({ request, url, endResponse }) {
      if (url.pathname !== '/health' || request.method !== 'GET') return;
      const [database, transport] = await Promise.all([
        databaseProblem(data, file),
        realtime ? realtime.tailer.problem() : null,
      ]);
      const failing = [
        ...(database === null ? [] : [{ part: 'database', reason: database }]),
        ...(transport === null ? [] : [transport]),
      ];
      if (failing.length === 0) return endResponse(Response.json({ status: 'ok' }));
      endResponse(
        Response.json(
          {
            status: 'unavailable',
            failing: failing.map((f) => f.part).join(', '),
            reason: failing.map((f) => f.reason).join('; '),
          },
          { status: 503 },
        ),
      );
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
