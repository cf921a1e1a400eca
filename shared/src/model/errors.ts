/**
 * Errors returned by the record model. Plain objects with a literal `type`, so
 * callers switch over them exhaustively (end the switch with `assertNever`).
 */
import type { VitalKey } from './vitals';

/** An input field failed validation. `field` is a dotted path into the input (`vitals.0.value`). */
export interface ValidationFailed {
  readonly type: 'ValidationFailed';
  readonly field: string;
  readonly message: string;
}

/**
 * A vital sign outside its catalogue range (after unit conversion).
 * `verdict: 'impossible'` — outside `possible`, always refused.
 * `verdict: 'needs-confirmation'` — outside `usual`; retry with `confirmed: true` on that reading.
 */
export interface ImplausibleVitalSign {
  readonly type: 'ImplausibleVitalSign';
  readonly key: VitalKey;
  /** The value in the catalogue unit (converted and rounded), as it would be stored. */
  readonly value: number;
  readonly unit: string;
  /** The range the value fell outside of (inclusive limits, catalogue unit). */
  readonly limits: { readonly min: number; readonly max: number };
  readonly verdict: 'impossible' | 'needs-confirmation';
}

export interface UnknownObservation {
  readonly type: 'UnknownObservation';
  readonly observationId: string;
}

export interface AlreadyEnteredInError {
  readonly type: 'AlreadyEnteredInError';
  readonly observationId: string;
}

export interface UnknownEncounter {
  readonly type: 'UnknownEncounter';
  readonly encounterId: string;
}

/** A closed encounter accepts only corrections (markEnteredInError). */
export interface EncounterClosed {
  readonly type: 'EncounterClosed';
  readonly encounterId: string;
}

/** The document was written by newer code; it is never modified by this code. */
export interface DocumentFromNewerVersion {
  readonly type: 'DocumentFromNewerVersion';
  readonly documentVersion: number;
  readonly supportedVersion: number;
}

/** The document is older than this code; run `upgradeDocument` (storage does so on load). */
export interface DocumentNeedsUpgrade {
  readonly type: 'DocumentNeedsUpgrade';
  readonly documentVersion: number;
  readonly currentVersion: number;
}

export interface WrongDocumentKind {
  readonly type: 'WrongDocumentKind';
  readonly expected: 'patient' | 'consult';
  readonly actual: string;
}

/** `createPatient` / `createConsult` on a document that already has a `meta`. */
export interface DocumentAlreadyInitialised {
  readonly type: 'DocumentAlreadyInitialised';
}

/** Structural problems (missing/garbled meta, malformed entries, changed home clinic). */
export interface InvalidDocument {
  readonly type: 'InvalidDocument';
  readonly problems: readonly DocumentProblem[];
}

export interface InvalidStatusTransition {
  readonly type: 'InvalidStatusTransition';
  readonly from: string;
  readonly to: string;
}

/** A closed consult accepts no messages and no transitions. */
export interface ConsultClosed {
  readonly type: 'ConsultClosed';
}

export interface InvalidDocumentId {
  readonly type: 'InvalidDocumentId';
  readonly value: string;
}

/** One thing wrong in a document; projections skip the entry and report it here. */
export interface DocumentProblem {
  /** Where: a root name and index, e.g. `observations[3].obs[1]` or `meta.homeClinicId`. */
  readonly path: string;
  readonly message: string;
}

/** Errors any operation may return before looking at its input. */
export type DocumentAccessError =
  DocumentFromNewerVersion | DocumentNeedsUpgrade | WrongDocumentKind | InvalidDocument;

export type ModelError =
  | ValidationFailed
  | ImplausibleVitalSign
  | UnknownObservation
  | AlreadyEnteredInError
  | UnknownEncounter
  | EncounterClosed
  | DocumentFromNewerVersion
  | DocumentNeedsUpgrade
  | WrongDocumentKind
  | DocumentAlreadyInitialised
  | InvalidDocument
  | InvalidStatusTransition
  | ConsultClosed
  | InvalidDocumentId;

export const validationFailed = (field: string, message: string): ValidationFailed => ({
  type: 'ValidationFailed',
  field,
  message,
});
