import type { Client } from 'graphql-ws';
import { describe, type GraphQLErrorShape, liveClient, post } from './api.js';
import { DELETES, type DeleteEvent, EventList, SAVES, type SaveEvent } from './events.js';
import './style.css';

/**
 * /console: sign in, the registered receivers and hooks (the `signals` query), and committed
 * postSave / postDelete events live, newest first; Replay lists the events after a cursor.
 */

const $ = <T extends Element>(selector: string) => {
  const element = document.querySelector<T>(selector);
  if (!element) throw new Error(`console page: ${selector} is missing`);
  return element;
};

const signInForm = $<HTMLFormElement>('#sign-in');
const signInError = $<HTMLParagraphElement>('#sign-in-error');
const signedIn = $<HTMLDivElement>('#signed-in');
const who = $<HTMLSpanElement>('#who');
const signOutButton = $<HTMLButtonElement>('#sign-out');
const signalsStatus = $<HTMLParagraphElement>('#signals-status');
const signalsBody = $<HTMLTableSectionElement>('#signals tbody');
const replayForm = $<HTMLFormElement>('#replay');
const afterInput = $<HTMLInputElement>('#replay input[name=after]');
const eventsStatus = $<HTMLParagraphElement>('#events-status');
const events = new EventList($<HTMLOListElement>('#event-list'));

interface Session {
  token: string;
  username: string;
  role: string;
}

let client: Client | null = null;
let stops: Array<() => void> = [];
/** The WebSocket is open: the status says so only then (the streams start right after). */
let connected = false;
let pendingStatus = '';

const SIGNALS = '{ signals { signal sender name dispatchUid kind } }';
interface ReceiverInfo {
  signal: string;
  sender: string | null;
  name: string;
  dispatchUid: string | null;
  kind: string;
}

async function loadSignals(token: string): Promise<void> {
  signalsStatus.textContent = 'Loading…';
  signalsBody.replaceChildren();
  try {
    const r = await post<{ signals: ReceiverInfo[] }>(SIGNALS, {}, token);
    if (!r.data?.signals) {
      signalsStatus.textContent = `Could not list the receivers and hooks: ${describe(r.errors)}`;
      return;
    }
    for (const s of r.data.signals) {
      const row = signalsBody.insertRow();
      for (const value of [s.signal, s.sender ?? 'any', s.name, s.dispatchUid ?? '', s.kind]) {
        row.insertCell().textContent = value;
      }
    }
    signalsStatus.textContent = `${r.data.signals.length} registered, in call order`;
  } catch (error) {
    signalsStatus.textContent = `Could not list the receivers and hooks: ${String(error)}`;
  }
}

function stopStreams(): void {
  for (const stop of stops) stop();
  stops = [];
}

/** postSave and postDelete from `after` (replay first), or live only when it is null. */
function stream(after: string | null): void {
  if (!client) return;
  stopStreams();
  events.clear();
  const status = after ? `Events after ${after}, then live` : 'Live: waiting for events';
  eventsStatus.textContent = connected ? status : 'Connecting…';
  pendingStatus = status;
  const failed = (errors: unknown) => {
    const list = (Array.isArray(errors) ? errors : [errors]) as GraphQLErrorShape[];
    eventsStatus.textContent = `The stream stopped: ${describe(list)}`;
    const last = list[0]?.extensions?.lastCursor;
    if (last) afterInput.value = last;
  };
  stops.push(
    client.subscribe<{ postSave: SaveEvent }>(
      { query: SAVES, variables: { after } },
      {
        next: (r) => (r.data ? events.save(r.data.postSave) : failed(r.errors)),
        error: failed,
        complete: () => {},
      },
    ),
    client.subscribe<{ postDelete: DeleteEvent }>(
      { query: DELETES, variables: { after } },
      {
        next: (r) => (r.data ? events.delete(r.data.postDelete) : failed(r.errors)),
        error: failed,
        complete: () => {},
      },
    ),
  );
}

function show(next: Session | null): void {
  stopStreams();
  void client?.dispose();
  client = null;
  signInForm.hidden = next !== null;
  signedIn.hidden = next === null;
  signOutButton.hidden = next === null;
  who.textContent = next ? `${next.username} (${next.role})` : '';
  if (!next) {
    sessionStorage.removeItem('signalyard.session');
    return;
  }
  sessionStorage.setItem('signalyard.session', JSON.stringify(next));
  connected = false;
  client = liveClient(next.token);
  client.on('connected', () => {
    connected = true;
    eventsStatus.textContent = pendingStatus;
  });
  void loadSignals(next.token);
  stream(null);
}

signInForm.addEventListener('submit', async (e) => {
  e.preventDefault();
  signInError.textContent = '';
  const form = new FormData(signInForm);
  const r = await post<{ logIn: { token: string; user: { username: string; role: string } } }>(
    'mutation($input: CredentialsInput!) { logIn(input: $input) { token user { username role } } }',
    { input: { username: form.get('username'), password: form.get('password') } },
    null,
  );
  if (!r.data?.logIn) {
    signInError.textContent = describe(r.errors);
    return;
  }
  signInForm.reset();
  show({ token: r.data.logIn.token, ...r.data.logIn.user });
});

signOutButton.addEventListener('click', () => show(null));

replayForm.addEventListener('submit', (e) => {
  e.preventDefault();
  const after = afterInput.value.trim();
  stream(after === '' ? null : after);
});
$<HTMLButtonElement>('#live-only').addEventListener('click', () => {
  afterInput.value = '';
  stream(null);
});

/** A reload keeps the session while its token is still good. */
async function resume(): Promise<void> {
  const saved = sessionStorage.getItem('signalyard.session');
  if (!saved) return;
  const previous = JSON.parse(saved) as Session;
  const r = await post<{ me: { username: string } | null }>('{ me { username } }', {}, previous.token);
  show(r.data?.me ? previous : null);
}
void resume();
