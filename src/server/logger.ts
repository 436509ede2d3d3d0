import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { LogLevel } from './config.js';

export type { Logger };

/**
 * The server's logger: one JSON object per line, or pino-pretty's coloured lines when stdout is
 * a terminal. Written synchronously, so the last lines before exit are not lost.
 */
export function createLogger(level: LogLevel, options: { pretty?: boolean } = {}): Logger {
  const stream = options.pretty
    ? pretty({ colorize: true, sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' })
    : pino.destination({ dest: 1, sync: true });
  return pino({ level, base: { service: 'signalyard' }, timestamp: pino.stdTimeFunctions.isoTime }, stream);
}

/** A logger that writes nothing (tests, and apps created without one). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
