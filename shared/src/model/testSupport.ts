/** Assertions shared by this folder's tests (not exported from index). */
import * as Y from 'yjs';
import { expect } from 'vitest';
import { getOrThrow, type Result } from '../result';
import type { ModelError } from './errors';
import { readPatient, type PatientView } from './patientView';

/** Runs `op`, expects it refused with `ValidationFailed` naming `field`, and the document byte-identical. */
export function expectRefused(
  doc: Y.Doc,
  op: () => Result<unknown, ModelError>,
  expected: Partial<ModelError> & { type: ModelError['type'] },
): void {
  const before = Y.encodeStateAsUpdate(doc);
  const result = op();
  expect(result.ok, `expected refusal ${JSON.stringify(expected)}`).toBe(false);
  if (!result.ok) expect(result.error).toMatchObject(expected);
  expect(Y.encodeStateAsUpdate(doc)).toEqual(before);
}

export function view(doc: Y.Doc): PatientView {
  return getOrThrow(readPatient(doc));
}

/** Bytes of the update a change produces. */
export function updateSize(doc: Y.Doc, change: () => void): number {
  const vector = Y.encodeStateVector(doc);
  change();
  return Y.encodeStateAsUpdate(doc, vector).length;
}
