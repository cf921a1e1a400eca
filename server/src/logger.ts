import { pino, type Logger } from 'pino';

/** JSON lines to stdout. Never log request bodies: they may hold patient data. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'outpost' }, timestamp: pino.stdTimeFunctions.isoTime });
}

/**
 * An error as it may be logged: name, code and message, with drizzle's
 * `params:` part (the query's values: names, phones…) cut off, and the stack.
 */
export function safeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: 'non-error thrown' };
  const code = (error as { code?: unknown }).code;
  const cause = error.cause instanceof Error ? safeError(error.cause) : undefined;
  return {
    name: error.name,
    ...(typeof code === 'string' ? { code } : {}),
    message: error.message.split('\nparams:')[0]!.slice(0, 500),
    // Frames only: the stack's first lines repeat the message (with its params).
    stack: error.stack
      ?.split('\n')
      .filter((line) => line.trimStart().startsWith('at '))
      .slice(0, 8)
      .join('\n'),
    ...(cause === undefined ? {} : { cause }),
  };
}
