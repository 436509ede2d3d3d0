import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { User as UserRow } from '../db/index.js';
import { AppError, type DataLayer } from '../db/index.js';
import { builder } from './builder.js';
import type { Session, SessionUser } from './context.js';
import { User } from './user.js';

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

const sha256 = (token: string) => createHash('sha256').update(token).digest('hex');

/** Issues a random bearer token (only its SHA-256 is stored) and drops the user's expired ones. */
export async function issueToken(data: DataLayer, userId: number, ttlMs: number): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await data.db.$transaction(async (tx) => {
    await tx.authToken.deleteMany({ where: { userId, expiresAt: { lte: new Date() } } });
    await tx.authToken.create({
      data: { tokenHash: sha256(token), userId, expiresAt: new Date(Date.now() + ttlMs) },
    });
  });
  return token;
}

/** The user of a bearer token and the token's hash and expiry, or null when it is unknown or expired. */
export async function sessionForToken(data: DataLayer, token: string): Promise<Session | null> {
  const tokenHash = sha256(token);
  const found = await data.db.authToken.findUnique({
    where: { tokenHash },
    select: { expiresAt: true, user: { select: { id: true, username: true, role: true } } },
  });
  if (!found || found.expiresAt.getTime() <= Date.now()) return null;
  return { user: found.user, token: { hash: tokenHash, expiresAt: found.expiresAt } };
}

/** The user of a bearer token, or null when it is unknown or expired. */
export async function userForToken(data: DataLayer, token: string): Promise<SessionUser | null> {
  return (await sessionForToken(data, token))?.user ?? null;
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

const USERNAME = /^[A-Za-z0-9_.-]{3,32}$/;

function checkCredentials(username: string, password: string) {
  if (!USERNAME.test(username)) {
    throw new AppError(
      'BAD_USER_INPUT',
      `username: '${username}' must be 3 to 32 letters, digits, '_', '.' or '-'`,
      { field: 'username' },
    );
  }
  if (password.length < 8 || password.length > 200) {
    throw new AppError('BAD_USER_INPUT', 'password: must be 8 to 200 characters long', { field: 'password' });
  }
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

builder.mutationFields((t) => ({
  signUp: t.field({
    type: AuthPayload,
    args: { input: t.arg({ type: CredentialsInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      checkCredentials(input.username, input.password);
      const taken = await ctx.db.user.findUnique({
        where: { username: input.username },
        select: { id: true },
      });
      if (taken)
        throw new AppError('BAD_USER_INPUT', `username: '${input.username}' is taken`, { field: 'username' });
      const user = await ctx.db.user.create({
        data: {
          username: input.username,
          passwordHash: await hashPassword(input.password),
          role: 'CUSTOMER',
        },
      });
      ctx.user = { id: user.id, username: user.username, role: user.role };
      return { token: await issueToken(ctx.data, user.id, ctx.tokenTtlMs), user };
    },
  }),
  logIn: t.field({
    type: AuthPayload,
    args: { input: t.arg({ type: CredentialsInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const user = await ctx.db.user.findUnique({ where: { username: input.username } });
      if (!user || !(await verifyPassword(input.password, user.passwordHash))) {
        throw new AppError('UNAUTHENTICATED', 'Wrong username or password');
      }
      // The rest of this response is read as the user who just signed in.
      ctx.user = { id: user.id, username: user.username, role: user.role };
      return { token: await issueToken(ctx.data, user.id, ctx.tokenTtlMs), user };
    },
  }),
}));
