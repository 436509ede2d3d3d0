import { createServer, type Server } from 'node:http';
import type { App } from './yoga.js';

/** The HTTP server around the yoga app (WebSocket transport joins it here). */
export function createHttpServer(app: App): Server {
  return createServer(app);
}

export function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}
