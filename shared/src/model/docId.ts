import { err, ok, type Result } from '../result';
import { isUuid, type ConsultId, type PatientId } from '../ids';
import type { InvalidDocumentId } from './errors';

/** Document ids name the document kind: `patient/<uuidv7>` and `consult/<uuidv7>`. */
export type PatientDocId = `patient/${string}`;
export type ConsultDocId = `consult/${string}`;
export type DocId = PatientDocId | ConsultDocId;

export type ParsedDocId =
  | { readonly kind: 'patient'; readonly id: PatientId }
  | { readonly kind: 'consult'; readonly id: ConsultId };

export function patientDocId(id: PatientId): PatientDocId {
  return `patient/${id}`;
}

export function consultDocId(id: ConsultId): ConsultDocId {
  return `consult/${id}`;
}

/** Parses `patient/<uuid>` or `consult/<uuid>` (lowercase UUID); anything else is refused. */
export function parseDocId(value: string): Result<ParsedDocId, InvalidDocumentId> {
  const slash = value.indexOf('/');
  const kind = value.slice(0, slash);
  const id = value.slice(slash + 1);
  if (slash < 0 || !isUuid(id)) return err({ type: 'InvalidDocumentId', value });
  if (kind === 'patient') return ok({ kind, id: id as PatientId });
  if (kind === 'consult') return ok({ kind, id: id as ConsultId });
  return err({ type: 'InvalidDocumentId', value });
}
