/**
 * Result type for fallible domain functions (parsers, scores, validation, codec).
 * Errors are plain objects with a literal `type` so callers can switch over them
 * exhaustively. Throw only for programmer errors.
 */
export type Ok<T> = { readonly ok: true; readonly value: T };
export type Err<E> = { readonly ok: false; readonly error: E };
export type Result<T, E> = Ok<T> | Err<E>;

export const ok = <T>(value: T): Ok<T> => ({ ok: true, value });
export const err = <E>(error: E): Err<E> => ({ ok: false, error });

export function isOk<T, E>(result: Result<T, E>): result is Ok<T> {
  return result.ok;
}

export function isErr<T, E>(result: Result<T, E>): result is Err<E> {
  return !result.ok;
}

/** Unwraps a result the caller has proven ok; throws (programmer error) otherwise. */
export function getOrThrow<T, E>(result: Result<T, E>): T {
  if (result.ok) return result.value;
  throw new Error(`getOrThrow on an error result: ${JSON.stringify(result.error)}`);
}

export function mapResult<T, U, E>(result: Result<T, E>, fn: (value: T) => U): Result<U, E> {
  return result.ok ? ok(fn(result.value)) : result;
}

/** Compile-time exhaustiveness check for switches over discriminated unions. */
export function assertNever(value: never, message = 'Unexpected value'): never {
  throw new Error(`${message}: ${JSON.stringify(value)}`);
}
