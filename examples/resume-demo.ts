/**
 * The scenario both examples run, whatever the client library: sign in, follow crate saves,
 * drop the connection, write while away, reconnect with the last cursor, and check that every
 * event written while away arrived, in order, once. Each example supplies the client wiring.
 */

export interface CrateEvent {
  cursor: string;
  model: string;
  created: boolean;
  node: { name?: string } | null;
}

/** What an example wires with its client library. */
export interface DemoClient {
  mutate<T>(query: string, variables: Record<string, unknown>): Promise<T>;
  /** Crate saves after `after` (null: from now on); returns what stops the subscription. */
  follow(
    after: string | null,
    onEvent: (event: CrateEvent) => void,
    onError: (e: unknown) => void,
  ): () => void;
  close(): Promise<void>;
}

export const CRATE_SAVES = `subscription CrateSaves($after: String) {
  postSave(model: CRATE, after: $after) { cursor model created node { ... on Crate { name } } }
}`;

export interface DemoOptions {
  label: string;
  url: string;
  username: string;
  password: string;
  /** A client; `token` null signs in. */
  connect(token: string | null): DemoClient;
}

/** Where the examples find the server and a STAFF user (the first-run admin or ADMIN_PASSWORD). */
export function optionsFromEnv(env: Record<string, string | undefined>) {
  const password = env.SIGNALYARD_PASSWORD;
  if (!password) {
    throw new Error(
      'set SIGNALYARD_PASSWORD to the admin password (printed by npm start on its first run, or your ADMIN_PASSWORD)',
    );
  }
  return {
    url: env.SIGNALYARD_URL ?? 'http://localhost:4000/graphql',
    username: env.SIGNALYARD_USERNAME ?? 'admin',
    password,
  };
}

export async function runDemo({ label, url, username, password, connect }: DemoOptions): Promise<void> {
  const say = (line: string) => console.log(`[${label}] ${line}`);
  const anonymous = connect(null);
  const { logIn } = await anonymous.mutate<{ logIn: { token: string; user: { role: string } } }>(
    'mutation($input: CredentialsInput!) { logIn(input: $input) { token user { role } } }',
    { input: { username, password } },
  );
  await anonymous.close();
  say(`signed in to ${url} as ${username} (${logIn.user.role})`);

  let client = connect(logIn.token);
  const run = `${label}-${Date.now().toString(36)}`;
  const { createWarehouse } = await client.mutate<{ createWarehouse: { id: string } }>(
    'mutation($name: String!) { createWarehouse(input: { name: $name }) { id } }',
    { name: `Dock ${run}` },
  );
  const createCrate = (name: string) =>
    client.mutate(
      'mutation($w: ID!, $n: String!) { createCrate(input: { name: $n, warehouseId: $w }) { id } }',
      {
        w: createWarehouse.id,
        n: name,
      },
    );

  const ours: CrateEvent[] = [];
  let failure: unknown = null;
  const onEvent = (event: CrateEvent) => {
    if (!event.node?.name?.startsWith(run)) return; // another client's crate
    ours.push(event);
    say(
      `event  ${event.model} ${event.created ? 'created' : 'updated'} ${event.node.name}  cursor ${event.cursor}`,
    );
  };
  const onError = (error: unknown) => {
    failure = error;
  };
  const until = async (what: string, done: () => boolean) => {
    const deadline = Date.now() + 10_000;
    while (!done()) {
      if (failure) throw new Error(`${what}: the subscription failed: ${JSON.stringify(failure)}`);
      if (Date.now() > deadline) throw new Error(`${what}: timed out`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  // A live-only subscription starts some time after the request: write until it sees our write.
  let stop = client.follow(null, onEvent, onError);
  for (let attempt = 1; ours.length === 0; attempt++) {
    if (attempt > 20) throw new Error('the live subscription saw none of our writes');
    await createCrate(`${run}-a${attempt}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const last = ours[ours.length - 1]?.cursor ?? '';

  stop();
  await client.close();
  say('disconnected');
  await createCrate(`${run}-b`);
  await createCrate(`${run}-c`);
  say(`written while away: ${run}-b, ${run}-c`);

  client = connect(logIn.token);
  const seen = ours.length;
  stop = client.follow(last, onEvent, onError);
  say(`reconnected with after: "${last}"`);
  await until('the replay', () => ours.length >= seen + 2);
  await createCrate(`${run}-d`);
  await until('the live event after the replay', () => ours.length >= seen + 3);
  stop();
  await client.close();

  const after = ours.slice(seen).map((e) => e.node?.name);
  const cursors = ours.map((e) => e.cursor);
  if (JSON.stringify(after) !== JSON.stringify([`${run}-b`, `${run}-c`, `${run}-d`])) {
    throw new Error(`after reconnecting got ${JSON.stringify(after)}`);
  }
  if (new Set(cursors).size !== cursors.length) throw new Error('an event arrived twice');
  say(
    `no event missed: after reconnecting, the 2 written while away, then the live one; ${cursors.length} events, none twice`,
  );
}
