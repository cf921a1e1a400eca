/**
 * A problem with start-up configuration or the environment (port taken, database
 * unreachable, foreign data directory). The CLI prints its message as one line
 * and exits non-zero; no stack trace, since nothing is wrong with the code.
 */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}
