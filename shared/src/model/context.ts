import { z } from 'zod';
import type { Clock, IdSource } from '../deps';
import type { DeviceId, UserId } from '../ids';
import { err, ok, type Result } from '../result';
import { validationFailed, type ValidationFailed } from './errors';

/** Who performs an operation: a signed-in user on an enrolled device. */
export interface Actor {
  readonly userId: UserId;
  readonly deviceId: DeviceId;
}

/**
 * Everything an operation needs from the outside world. Time and ids are injected
 * (never read inside shared/), so operations are deterministic under test and replay.
 */
export interface OpContext {
  readonly actor: Actor;
  readonly clock: Clock;
  readonly ids: IdSource;
  /**
   * Transaction origin for `doc.transact`. Defaults to a `ModelOrigin` naming the
   * operation, so storage can tell local domain writes from applied remote updates.
   */
  readonly origin?: unknown;
}

/** The default transaction origin of every domain operation. */
export interface ModelOrigin {
  readonly source: 'outpost/model';
  readonly op: string;
  readonly actor: Actor;
}

export function isModelOrigin(origin: unknown): origin is ModelOrigin {
  return (
    typeof origin === 'object' &&
    origin !== null &&
    (origin as { source?: unknown }).source === 'outpost/model'
  );
}

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const uuidSchema = z.string().regex(UUID_RE, 'must be a lowercase UUID');

/** Actor as stored in entries: short keys, because every entry carries one. */
export const storedActorSchema = z.looseObject({ u: uuidSchema, d: uuidSchema });
export type StoredActor = z.infer<typeof storedActorSchema>;

export const toStoredActor = (actor: Actor): StoredActor => ({
  u: actor.userId,
  d: actor.deviceId,
});
export const fromStoredActor = (stored: StoredActor): Actor => ({
  userId: stored.u as UserId,
  deviceId: stored.d as DeviceId,
});

/** The first zod issue as a `ValidationFailed` naming the field. */
export function firstIssue(error: z.ZodError, prefix = ''): ValidationFailed {
  const issue = error.issues[0];
  if (issue === undefined) return validationFailed(prefix || '(input)', 'invalid');
  let path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys' && issue.keys[0] !== undefined)
    path = [...path, issue.keys[0]];
  const field = [prefix, ...path].filter((part) => part !== '').join('.');
  return validationFailed(field || '(input)', issue.message);
}

export function parseWith<T>(
  schema: z.ZodType<T>,
  input: unknown,
  prefix = '',
): Result<T, ValidationFailed> {
  const parsed = schema.safeParse(input);
  return parsed.success ? ok(parsed.data) : err(firstIssue(parsed.error, prefix));
}

const actorInputSchema = z.object({ userId: uuidSchema, deviceId: uuidSchema });

/** Validates the injected context (a programmer error, but cheap to report as a field). */
export function checkContext(ctx: OpContext): Result<number, ValidationFailed> {
  const actor = parseWith(actorInputSchema, ctx.actor, 'actor');
  if (!actor.ok) return actor;
  const now = ctx.clock.now();
  if (!Number.isSafeInteger(now) || now < 0)
    return err(validationFailed('clock', 'clock must return integer epoch ms'));
  return ok(now);
}

/** A JSON value: what may be stored as an opaque blob inside an entry. */
export type Json =
  string | number | boolean | null | readonly Json[] | { readonly [key: string]: Json };

/**
 * True when `value` is plain JSON (finite numbers, plain objects/arrays) no deeper
 * than `maxDepth`. Iterative, so hostile deep nesting cannot overflow the stack.
 */
export function isJson(value: unknown, maxDepth = 16): value is Json {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (current === null || typeof current === 'string' || typeof current === 'boolean') continue;
    if (typeof current === 'number') {
      if (!Number.isFinite(current)) return false;
      continue;
    }
    if (depth >= maxDepth || typeof current !== 'object') return false;
    if (Array.isArray(current)) {
      for (const item of current) stack.push([item, depth + 1]);
      continue;
    }
    const proto: unknown = Object.getPrototypeOf(current);
    if (proto !== Object.prototype && proto !== null) return false;
    for (const item of Object.values(current)) stack.push([item, depth + 1]);
  }
  return true;
}

/** A JSON blob schema with a depth and an encoded-size bound (bytes matter on 2G). */
export function jsonSchema(maxChars: number, maxDepth = 16) {
  return z
    .custom<Json>((value) => isJson(value, maxDepth), { message: 'must be plain JSON' })
    .refine((value) => JSON.stringify(value).length <= maxChars, {
      message: `must be at most ${maxChars} characters as JSON`,
    });
}
