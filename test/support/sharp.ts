/**
 * sharp, the server's image codec, borrowed by tests and benches to make
 * camera-like JPEGs (the test package does not depend on it itself).
 */
import { createRequire } from 'node:module';

export type Sharp = (
  input: Buffer,
  options: { raw: { width: number; height: number; channels: 3 } },
) => { jpeg(options: { quality: number }): { toBuffer(): Promise<Buffer> } };

export const sharp = createRequire(new URL('../../server/package.json', import.meta.url))(
  'sharp',
) as Sharp;
