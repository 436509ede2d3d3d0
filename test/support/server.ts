import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface Started {
  child: ChildProcess;
  url: string;
  output: () => string;
  stop(): Promise<void>;
}

/** What `npm start` execs: the compiled server, plain node (the global set-up rebuilds dist/ when stale). */
export const MAIN = ['--max-semi-space-size=32', 'dist/server/main.js'];

/**
 * Runs what `npm start` runs, as a real process with this environment (`main`: the server file
 * of another copy of the app, a "release" of its own).
 */
export function runMain(
  env: Record<string, string>,
  main: string[] = MAIN,
): {
  child: ChildProcess;
  done: Promise<{ code: number | null; output: string }>;
} {
  const child = spawn(process.execPath, main, {
    cwd: root,
    env: { ...process.env, ...env },
  });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  const done = new Promise<{ code: number | null; output: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, output })),
  );
  return { child, done };
}

/** Starts the server on a free port and resolves once it printed its URL. */
export function startServer(env: Record<string, string>, main: string[] = MAIN): Promise<Started> {
  const { child, done } = runMain({ PORT: '0', ...env }, main);
  let output = '';
  child.stdout?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 30_000);
    void done.then(({ code }) => reject(new Error(`server exited (${code}):\n${output}`)));
    child.stdout?.on('data', () => {
      const match = /GraphQL at (http:\/\/[^\s"]+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve({
          child,
          url: match[1],
          output: () => output,
          stop: async () => {
            child.kill('SIGTERM');
            await done;
          },
        });
      }
    });
  });
}
