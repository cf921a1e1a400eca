/**
 * A change to a consult the server refused (S4), in words for the consult
 * screen: what was refused and what to do. The refused change stays in this
 * tablet's copy (nothing saved is lost), but nobody else sees it — so the
 * screen must say so next to the consult, not only in the sync line.
 */
import { REJECTION_CODES, type RejectionCode } from '@outpost/shared/sync';
import { assertNever } from '@outpost/shared/result';
import type { RejectedUpdate } from '$lib/db';
import type { MessageKey } from '$lib/i18n/en';

/** What to do about a refusal, by its kind. */
export type RejectionAdvice = 'role' | 'clinic' | 'size' | 'damaged' | 'repairing';

const isRejectionCode = (code: string): code is RejectionCode =>
  REJECTION_CODES.some((known) => known === code);

export function rejectionAdvice(code: string): RejectionAdvice {
  if (!isRejectionCode(code)) return 'damaged';
  switch (code) {
    case 'forbidden':
      return 'role';
    case 'wrong_clinic':
      return 'clinic';
    case 'too_large':
      return 'size';
    case 'malformed_update':
    case 'invalid_document':
    case 'invalid_document_id':
      return 'damaged';
    case 'client_id_clash':
      return 'repairing';
    default:
      return assertNever(code);
  }
}

export const REJECTION_ADVICE_KEYS: Readonly<Record<RejectionAdvice, MessageKey>> = {
  role: 'consult.rejected.role',
  clinic: 'consult.rejected.clinic',
  size: 'consult.rejected.size',
  damaged: 'consult.rejected.damaged',
  repairing: 'consult.rejected.repairing',
};

/** The refusals still open for this consult, newest first (re-keyed ones were repaired). */
export function consultRejections(
  rejections: readonly RejectedUpdate[],
  docId: string | undefined,
): RejectedUpdate[] {
  return rejections.filter((r) => r.docId === docId && r.state === 'open');
}
