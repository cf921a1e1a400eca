import type { Context } from 'hono';
import type { z } from 'zod';
import { HttpError, badRequest } from './errors';

/**
 * Reads a JSON request body and validates it. A malformed body is a 400 that
 * names the problem; a body failing the schema is a 400 naming the first field.
 */
export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const contentType = c.req.header('content-type') ?? '';
  if (!contentType.toLowerCase().startsWith('application/json')) {
    throw new HttpError(
      415,
      'unsupported_media_type',
      'The request body must be application/json.',
    );
  }
  const text = await c.req.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw badRequest('invalid_json', `The request body is not valid JSON: ${detail}`);
  }
  const result = schema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue && issue.path.length > 0 ? issue.path.join('.') : undefined;
    throw badRequest('invalid_field', issue?.message ?? 'Invalid request body.', field);
  }
  return result.data;
}
