/**
 * Structural validation the server runs after applying an untrusted update
 * (and before storing it): meta intact and as expected, only known root types
 * of the right Yjs kind, and every entry well formed. Dangling references
 * between arrays (an erratum whose observation has not arrived yet) are not
 * problems: updates from different devices may arrive in any order.
 */
import type * as Y from 'yjs';
import { err, ok, type Result } from '../result';
import { readConsult } from './consult';
import { monitoringProblems } from './monitoring';
import { readMeta, type DocKind, type DocMeta } from './document';
import type { DocumentProblem, InvalidDocument } from './errors';
import { readPatient } from './patientView';
import { CONSULT_ROOTS, PATIENT_ROOTS } from './stored';

export interface ExpectedIdentity {
  /** The document id the server stores this document under, e.g. `patient/<uuid>`. */
  readonly docId?: string;
  /** The home clinic stored outside the CRDT at creation: it must never change. */
  readonly homeClinicId?: string;
}

function checkRoots(
  doc: Y.Doc,
  roots: Record<string, 'map' | 'array'>,
  problems: DocumentProblem[],
): void {
  for (const [name, type] of doc.share) {
    const expected = roots[name];
    if (expected === undefined) {
      if (type._start !== null || type._map.size > 0)
        problems.push({ path: name, message: 'unknown root type' });
      continue;
    }
    // A root written with the other Yjs kind keeps its content where the expected kind never looks.
    if (expected === 'map' && type._start !== null)
      problems.push({ path: name, message: 'map root has list content' });
    if (expected === 'array' && type._map.size > 0)
      problems.push({ path: name, message: 'array root has map content' });
  }
}

/**
 * Ok with the document's meta when the document is structurally sound; otherwise
 * `InvalidDocument` listing every problem found. Never throws, never writes.
 */
export function validateDocument(
  doc: Y.Doc,
  expected: ExpectedIdentity = {},
): Result<DocMeta, InvalidDocument> {
  const problems: DocumentProblem[] = [];
  const metaType = doc.share.get('meta');
  if (metaType !== undefined && metaType._start !== null) {
    return err({
      type: 'InvalidDocument',
      problems: [{ path: 'meta', message: 'map root has list content' }],
    });
  }
  const meta = readMeta(doc);
  if (!meta.ok) return meta;
  const kind: DocKind = meta.value.kind;
  if (expected.docId !== undefined && expected.docId !== `${kind}/${meta.value.id}`) {
    problems.push({
      path: 'meta.id',
      message: `document is ${kind}/${meta.value.id}, expected ${expected.docId}`,
    });
  }
  if (expected.homeClinicId !== undefined && expected.homeClinicId !== meta.value.homeClinicId) {
    problems.push({ path: 'meta.homeClinicId', message: 'home clinic changed' });
  }
  const roots = kind === 'patient' ? PATIENT_ROOTS : CONSULT_ROOTS;
  checkRoots(doc, roots, problems);
  try {
    const view = kind === 'patient' ? readPatient(doc) : readConsult(doc);
    if (!view.ok) {
      if (view.error.type === 'InvalidDocument') problems.push(...view.error.problems);
      else problems.push({ path: 'meta.kind', message: 'wrong kind' });
    } else {
      problems.push(
        ...view.value.problems.filter((problem) => problem.path !== 'meta.schemaVersion'),
      );
      if (kind === 'patient') problems.push(...monitoringProblems(doc));
    }
  } catch (error) {
    // Projections are written not to throw; if one does, the document is not accepted.
    problems.push({ path: '(document)', message: `unreadable: ${String(error)}` });
  }
  return problems.length === 0 ? ok(meta.value) : err({ type: 'InvalidDocument', problems });
}
