import type { EventRow } from '../../db/index.js';

/**
 * The Redis side of the bus: one stream of committed events, written by the relay that holds
 * the lease and read by every instance.
 *
 * Entry ids are the event cursors (`<cursor>-0`), so the stream is in cursor order and Redis
 * itself refuses a cursor at or below the newest entry: two relays that both believe they hold
 * the lease (a paused process whose lease ran out) still publish each event once.
 *
 * Each event entry also carries `p`, the cursor the relay read it after: "the log holds no
 * event between p and this one". A reader whose last delivered cursor is below p has missed
 * something (trimmed, or published while Redis lost its data) and back-fills from the log.
 * A mark entry (`<cursor>-1`, written when the relay finds the stream empty) says "everything
 * up to this cursor is published": readers below it back-fill up to it.
 */

export interface RedisKeys {
  /** The event stream. */
  stream: string;
  /** The relay lease: which instance publishes, `SET NX PX`, renewed. */
  lease: string;
  /** Pub/sub channel: "an instance committed events", so the relay reads the log at once. */
  nudge: string;
}

export function keysOf(prefix: string): RedisKeys {
  return { stream: `${prefix}events`, lease: `${prefix}relay`, nudge: `${prefix}nudge` };
}

export type StreamEntry = { kind: 'event'; event: EventRow; prev: number } | { kind: 'mark'; upTo: number };

/** The JSON of an event row; Dates become ISO strings, revived by `decodeEntry`. */
export function encodeEvent(event: EventRow): string {
  return JSON.stringify(event);
}

/** Reads an entry's field list (`[name, value, ...]`, as XREAD answers it). */
export function decodeEntry(fields: readonly string[]): StreamEntry | null {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i] as string, fields[i + 1] as string);
  const mark = map.get('m');
  if (mark !== undefined) return { kind: 'mark', upTo: Number(mark) };
  const json = map.get('e');
  const prev = map.get('p');
  if (json === undefined || prev === undefined) return null;
  const raw = JSON.parse(json) as EventRow & { createdAt: string };
  return { kind: 'event', event: { ...raw, createdAt: new Date(raw.createdAt) }, prev: Number(prev) };
}

/** The cursor part of a stream id (`12-0` and `12-1` are both 12). */
export function cursorOfId(id: string): number {
  return Number(id.slice(0, id.indexOf('-')));
}

/** The later of two stream ids. */
export function laterId(a: string, b: string): string {
  const [am, as] = a.split('-').map(Number) as [number, number];
  const [bm, bs] = b.split('-').map(Number) as [number, number];
  return am > bm || (am === bm && as >= bs) ? a : b;
}

/**
 * KEYS[1] the stream; ARGV[1] entries kept (approximate trim); ARGV[2] the cursor the batch was
 * read after; then cursor, event JSON pairs, ascending. Appends the events above the stream's
 * newest entry (a mark at ARGV[2] first when the stream is empty) and returns the newest cursor.
 * Cursors travel as strings: Lua numbers would print large ones as 1e+15.
 */
export const APPEND_SCRIPT = `
local newest = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)[1]
local prev = ARGV[2]
local top
if newest then
  top = tonumber(string.match(newest[1], '^(%d+)'))
else
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], prev .. '-1', 'm', prev)
  top = tonumber(prev)
end
for i = 3, #ARGV, 2 do
  if tonumber(ARGV[i]) > top then
    redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], ARGV[i] .. '-0', 'p', prev, 'e', ARGV[i + 1])
    top = tonumber(ARGV[i])
  end
  prev = ARGV[i]
end
return top
`;

/** KEYS[1] the lease; ARGV[1] this instance; ARGV[2] its length in ms. 1 when still ours and extended. */
export const RENEW_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;

/** KEYS[1] the lease; ARGV[1] this instance. Lets another instance take over at once on a clean stop. */
export const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;
