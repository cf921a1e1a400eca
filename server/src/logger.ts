import { pino, type Logger } from 'pino';

/** JSON lines to stdout. Never log request bodies: they may hold patient data. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'outpost' }, timestamp: pino.stdTimeFunctions.isoTime });
}
