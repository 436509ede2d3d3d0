import { migrateDatabase, openDatabase } from '../db/index.js';
import { Realtime } from '../realtime/index.js';
import { registerReceivers } from '../receivers/index.js';
import { ensureAdmin } from '../schema/auth.js';
import { ConfigError, loadConfig } from './config.js';
import { firstRunAdmin, firstRunMessage } from './first-run.js';
import { createHttpServer, listen } from './http.js';
import { createLogger, type Logger } from './logger.js';
import { authenticate, createApp } from './yoga.js';

/** SIGTERM to exit: API.md promises 10 s; the sequence gets 8, the rest is margin. */
const STOP_DEADLINE_MS = 8_000;

/** `npm start`: validate configuration, apply migrations, serve. The only file that listens. */
async function main(logger: Logger) {
  const config = loadConfig();
  logger.level = config.logLevel;
  const migrated = await migrateDatabase(config, {
    onLockWait: (what) => logger.info(`signalyard: ${what}: waiting for another process's write lock`),
  });
  logger.info(`signalyard: ${migrated}`);
  registerReceivers();
  const logError = (message: string, error: unknown, requestId?: string) =>
    logger.error({ err: error, requestId }, message);
  const data = await openDatabase(config, {
    logError,
    ...(config.logQueries && { onQuery: (sql, client) => logger.info({ sql, client }, 'query') }),
  });
  if (config.adminPassword !== null) await ensureAdmin(data, config.adminPassword);
  // a generated password nobody could read (LOG_LEVEL error or silent) would lock the shop
  const showable = logger.isLevelEnabled('warn');
  const firstRun =
    config.adminPassword === null && !config.production && showable ? await firstRunAdmin(data) : null;
  const realtime = new Realtime(data, {
    retentionMs: config.eventRetentionMs,
    logError,
    redis: config.redisUrl === null ? null : { url: config.redisUrl, prefix: config.redisPrefix },
  }).start();
  const app = createApp({
    data,
    realtime,
    tokenTtlMs: config.tokenTtlMs,
    tokenCacheMs: config.tokenCacheMs,
    logger,
    logError,
    graphiql: config.graphiql,
    production: config.production,
    limits: config.limits,
    corsOrigins: config.corsOrigins,
    trustProxy: config.trustProxy,
    databaseFile: config.sqlitePath,
  });
  const http = createHttpServer(app, (authorization) => authenticate(data, authorization));
  const port = await listen(http.server, config.port, config.host);
  const shown = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const origin = `http://${shown === '127.0.0.1' ? 'localhost' : shown}:${port}`;
  logger.info(`signalyard: GraphQL at ${origin}/graphql`);
  // one log line each, so the password reads plainly in JSON and pretty logs alike
  if (firstRun) for (const line of firstRunMessage(firstRun, origin)) logger.warn(line);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'signalyard: stopping');
    // a stop that hangs must still end the process, with a code that says it did not finish
    setTimeout(() => {
      logger.error('signalyard: stop did not finish in time; exiting');
      process.exit(1);
    }, STOP_DEADLINE_MS + 1_500).unref();
    try {
      // the tailer publishes in commit order: what is committed (here, or by another process on
      // the file) reaches live subscribers before their last event; later commits wait in the
      // log for their resume by cursor
      await http.shutdown(STOP_DEADLINE_MS, () => realtime.tailer.catchUp());
      await realtime.stop();
      await data.close();
      logger.info('signalyard: stopped');
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'signalyard: stop failed');
      process.exit(1);
    }
  };
  process.off('SIGINT', early);
  process.off('SIGTERM', early);
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

const logger = createLogger('info', { pretty: process.stdout.isTTY === true });
// A stop asked for during start-up (migrations): nothing was accepted yet, so leave at once.
const early = () => process.exit(0);
process.once('SIGINT', early);
process.once('SIGTERM', early);
main(logger).catch((error: unknown) => {
  // start-up failures are one line each, no stack: they are about configuration or the machine
  if (error instanceof ConfigError) {
    console.error(`signalyard: invalid configuration: ${error.message}`);
  } else if (error instanceof Error && 'code' in error && error.code === 'EADDRINUSE') {
    console.error(`signalyard: port already in use: ${error.message}`);
  } else {
    console.error('signalyard: start-up failed:', error instanceof Error ? error.message : error);
  }
  process.exit(1);
});
