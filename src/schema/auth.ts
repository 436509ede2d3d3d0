import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { User as UserRow } from '../db/index.js';
import { AppError, type DataLayer, onCommit } from '../db/index.js';
import { builder } from './builder.js';
import { checkText, quote } from './input.js';
import { prepared } from './plugins/unit-of-work/index.js';
import { issueToken, revokeToken } from './sessions.js';
import { User } from './user.js';

export { issueToken, sessionForToken } from './sessions.js';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;

/** scrypt with a random salt: `scrypt$<salt>$<hash>` (base64url). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, 32);
  return `scrypt$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64url'), expected.length);
  return timingSafeEqual(actual, expected);
}

/** An unknown username is checked against this hash, so it costs what a wrong password costs. */
let dummyHash: Promise<string> | null = null;
function dummy(): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(16).toString('base64url'));
  return dummyHash;
}

/** What signUp's prepare hook hands its resolver: the checked name and the new password's hash. */
interface PreparedSignUp {
  display: string;
  passwordHash: string;
}

const USERNAME = /^[A-Za-z0-9_.-]{3,32}$/;

/** The name as stored for display: NFKC, so full-width and compatibility forms become plain letters. */
export function displayUsername(username: string): string {
  return username.normalize('NFKC');
}

/**
 * The sign-in key of a username: NFKC, then case-folded (upper- then lower-casing folds `ß` and
 * the like as well), then NFKC again. `Admin`, `ADMIN` and full-width `ａｄｍｉｎ` are all `admin`.
 */
export function usernameKey(username: string): string {
  return username.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC');
}

function checkCredentials(username: string, password: string): string {
  checkText('password', password, 200);
  const display = displayUsername(checkText('username', username, 200));
  if (!USERNAME.test(display)) {
    throw new AppError(
      'BAD_USER_INPUT',
      `username: ${quote(username)} must be 3 to 32 letters, digits, '_', '.' or '-'`,
      { field: 'username' },
    );
  }
  if (password.length < 8) {
    throw new AppError('BAD_USER_INPUT', 'password: must be 8 to 200 characters long', { field: 'password' });
  }
  return display;
}

/** Start-up: makes sure the STAFF user `admin` exists with this password. */
export async function ensureAdmin(data: DataLayer, password: string): Promise<void> {
  const passwordHash = await hashPassword(password);
  await data.db.user.upsert({
    where: { username: 'admin' },
    create: { username: 'admin', passwordHash, role: 'STAFF' },
    update: { passwordHash, role: 'STAFF' },
  });
}

const AuthPayload = builder.objectRef<{ token: string; user: UserRow }>('AuthPayload').implement({
  fields: (t) => ({
    token: t.exposeString('token'),
    user: t.field({ type: User, resolve: (payload) => payload.user }),
  }),
});

const CredentialsInput = builder.inputType('CredentialsInput', {
  fields: (t) => ({ username: t.string({ required: true }), password: t.string({ required: true }) }),
});

// logIn and signUp are rate limited per client address and per username before they run
// (src/server/auth-limits.ts), outside the mutation's unit of work, so a refusal still counts.
// Their scrypt work is a `prepare` hook: it runs before the unit opens, so no write transaction
// (on SQLite: the one writer every request shares) waits on a password hash.
builder.mutationFields((t) => ({
  signUp: t.field({
    type: AuthPayload,
    args: { input: t.arg({ type: CredentialsInput, required: true }) },
    hooks: {
      prepare: async function hashNewPassword({ args: { input } }): Promise<PreparedSignUp> {
        const display = checkCredentials(input.username, input.password);
        return { display, passwordHash: await hashPassword(input.password) };
      },
    },
    resolve: async (_root, _args, ctx, info) => {
      const { display, passwordHash } = prepared<PreparedSignUp>(info);
      const key = usernameKey(display);
      const taken = await ctx.db.user.findUnique({ where: { username: key }, select: { id: true } });
      if (taken)
        throw new AppError('BAD_USER_INPUT', `username: ${quote(display)} is taken`, { field: 'username' });
      const user = await ctx.db.user.create({
        data: {
          username: key,
          displayName: display === key ? null : display,
          passwordHash,
          role: 'CUSTOMER',
        },
      });
      ctx.user = { id: user.id, username: display, role: user.role };
      return { token: await issueToken(ctx.data, user.id, ctx.tokenTtlMs), user };
    },
  }),
  logIn: t.field({
    type: AuthPayload,
    args: { input: t.arg({ type: CredentialsInput, required: true }) },
    hooks: {
      prepare: async function checkPassword({ args: { input }, context }): Promise<UserRow> {
        checkText('username', input.username, 200);
        checkText('password', input.password, 200);
        const user = await context.data.reader.user.findUnique({
          where: { username: usernameKey(input.username) },
        });
        // The same work and the same answer whether or not the user exists.
        const valid = await verifyPassword(input.password, user?.passwordHash ?? (await dummy()));
        if (!user || !valid) throw new AppError('UNAUTHENTICATED', 'Wrong username or password');
        return user;
      },
    },
    resolve: async (_root, _args, ctx, info) => {
      const user = prepared<UserRow>(info);
      // The rest of this response is read as the user who just signed in.
      ctx.user = { id: user.id, username: user.displayName ?? user.username, role: user.role };
      return { token: await issueToken(ctx.data, user.id, ctx.tokenTtlMs), user };
    },
  }),
  logOut: t.boolean({
    description:
      'Revokes the token this request was sent with. Other server processes may accept it for up to a few seconds (their token cache).',
    authScopes: { signedIn: true },
    resolve: async (_root, _args, ctx) => {
      if (!ctx.token) return false;
      const { hash } = ctx.token;
      const revoked = await revokeToken(ctx.data, hash);
      // this process's subscriptions on the token end now; other processes' at their next check
      onCommit(() => ctx.realtime.sessions.revoked(hash));
      return revoked;
    },
  }),
}));
