import { migrateDeploy, openDatabase } from '../db/index.js';
import { Realtime } from '../realtime/index.js';
import { registerReceivers } from '../receivers/index.js';
import { ensureAdmin } from '../schema/auth.js';
import { ConfigError, childEnv, loadConfig } from './config.js';
import { firstRunAdmin, firstRunMessage } from './first-run.js';
import { createHttpServer, listen } from './http.js';
import { authenticate, createApp } from './yoga.js';

/** `npm start`: validate configuration, apply migrations, serve. The only file that listens. */
async function main() {
  const config = loadConfig();
  if (config.databaseKind !== 'sqlite') {
    throw new ConfigError('DATABASE_URL: PostgreSQL is not supported by this build yet; use a file: URL');
  }
  await migrateDeploy(childEnv(config), config.sqlitePath);
  registerReceivers();
  const data = await openDatabase(config);
  if (config.adminPassword !== null) await ensureAdmin(data, config.adminPassword);
  const firstRun = config.adminPassword === null && !config.production ? await firstRunAdmin(data) : null;
  const realtime = new Realtime(data, { retentionMs: config.eventRetentionMs }).start();
  const app = createApp({ data, realtime, tokenTtlMs: config.tokenTtlMs });
  const http = createHttpServer(app, (authorization) => authenticate(data, authorization));
  const port = await listen(http.server, config.port);
  console.log(`signalyard: GraphQL at http://localhost:${port}/graphql`);
  if (firstRun) console.log(firstRunMessage(firstRun, `http://localhost:${port}`));

  const stop = () => {
    void Promise.allSettled([http.close(), realtime.stop()])
      .then(() => data.close())
      .finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(`signalyard: invalid configuration: ${error.message}`);
  } else if (error instanceof Error && 'code' in error && error.code === 'EADDRINUSE') {
    console.error(`signalyard: port already in use: ${error.message}`);
  } else {
    console.error('signalyard: start-up failed:', error instanceof Error ? error.message : error);
  }
  process.exit(1);
});
