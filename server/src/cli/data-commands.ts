/**
 * `outpost score` and `outpost decode`: the shared clinical and device code,
 * usable from a shell pipeline. They need no database or configuration.
 */
import { decodeLine } from '@outpost/shared/devices';
import { scoreCliInput } from '@outpost/shared/risk/cli';
import { parseJsonInput, readAll } from './json-lines';

interface Io {
  readonly stdin: NodeJS.ReadableStream;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly now: () => number;
}

/**
 * Scores NEWS2 and qSOFA for each input object. Bad input: the field is named on
 * stderr and the exit code is 2; valid lines are still answered, in order.
 */
export async function scoreCommand(io: Io): Promise<number> {
  const inputs = parseJsonInput(await readAll(io.stdin));
  if (inputs.length === 0) {
    io.stderr.write('outpost score: no input. Pipe a JSON object (or JSON Lines) on stdin.\n');
    return 2;
  }
  let exitCode = 0;
  for (const input of inputs) {
    if (!input.ok) {
      io.stderr.write(`outpost score: line ${input.line}: ${input.message}\n`);
      exitCode = 2;
      continue;
    }
    const result = scoreCliInput(input.value);
    if (result.ok) {
      io.stdout.write(`${JSON.stringify(result.value)}\n`);
    } else {
      const where = inputs.length > 1 ? `line ${input.line}: ` : '';
      io.stderr.write(`outpost score: ${where}${result.error.field}: ${result.error.message}\n`);
      exitCode = 2;
    }
  }
  return exitCode;
}

/** Decodes device packets, one output line per input line (errors are output lines too). */
export async function decodeCommand(io: Io): Promise<number> {
  const inputs = parseJsonInput(await readAll(io.stdin));
  for (const input of inputs) {
    const output = input.ok
      ? decodeLine(input.value, io.now())
      : { error: { code: 'InvalidJson', message: input.message } };
    io.stdout.write(`${JSON.stringify(output)}\n`);
  }
  return 0;
}
