/**
 * Reading JSON from stdin for the data commands: either one JSON value (possibly
 * spread over several lines) or JSON Lines, one value per non-empty line.
 */
export type InputLine =
  | { readonly line: number; readonly ok: true; readonly value: unknown }
  | { readonly line: number; readonly ok: false; readonly message: string };

export function parseJsonInput(text: string): InputLine[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  try {
    return [{ line: 1, ok: true, value: JSON.parse(trimmed) as unknown }];
  } catch {
    // Not one value: read it as JSON Lines.
  }
  const lines: InputLine[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    if (raw.trim() === '') return;
    try {
      lines.push({ line: index + 1, ok: true, value: JSON.parse(raw) as unknown });
    } catch (error) {
      lines.push({
        line: index + 1,
        ok: false,
        message: `not valid JSON (${error instanceof Error ? error.message : String(error)})`,
      });
    }
  });
  return lines;
}

export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}
