/**
 * The load generator of the WebSocket connect storm (bench/connect.ts), in its own process:
 * opens N graphql-ws connections at once (connection_init with the bearer token), counts those
 * acknowledged and those that failed first (refused, reset, closed: 1006 when the listen
 * backlog overflows), prints {"acked","failed","closeCodes"} as one JSON line, and exits.
 */
import WebSocket from 'ws';

const [countArg, url, token] = process.argv.slice(2);
const count = Number(countArg);
let acked = 0;
let failed = 0;
const closeCodes: Record<string, number> = {};
const sockets: WebSocket[] = [];

const finish = () => {
  console.log(JSON.stringify({ acked, failed: count - acked, closeCodes }));
  for (const socket of sockets) socket.terminate();
  setTimeout(() => process.exit(0), 100);
};
const settled = () => {
  if (acked + failed === count) finish();
};
setTimeout(finish, 90_000).unref();

for (let i = 0; i < count; i++) {
  const socket = new WebSocket(String(url).replace(/^http/, 'ws'), 'graphql-transport-ws');
  sockets.push(socket);
  let done = false;
  const fail = (code: string) => {
    if (done) return;
    done = true;
    failed++;
    closeCodes[code] = (closeCodes[code] ?? 0) + 1;
    settled();
  };
  socket.on('open', () =>
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })),
  );
  socket.on('message', (data) => {
    if (done || JSON.parse(String(data)).type !== 'connection_ack') return;
    done = true;
    acked++;
    settled();
  });
  socket.on('close', (code) => fail(String(code)));
  socket.on('error', (error: NodeJS.ErrnoException) => fail(error.code ?? 'error'));
}
