/**
 * Document identity, schema version and upgrades.
 *
 * Every record document has a `meta` map written once at creation: kind, id,
 * homeClinicId (fixed; the server keeps it outside the CRDT and authorises by
 * it), createdAt, createdBy, schemaVersion.
 *
 * Versioning rule: additive changes readers can ignore (a new optional field, a
 * new entry kind skipped as a problem by older readers) keep the version.
 * Anything that changes the meaning of stored data bumps `CURRENT_SCHEMA_VERSION`
 * and adds an `UpgradeStep`. Operations refuse documents of any other version:
 * older ones must be upgraded first (storage does so on load), newer ones are
 * never touched. Projections still read newer documents best-effort.
 */
import type * as Y from 'yjs';
import type { ClinicId } from '../ids';
import { err, ok, type Result } from '../result';
import { fromStoredActor, type Actor } from './context';
import type {
  DocumentAccessError,
  DocumentFromNewerVersion,
  DocumentProblem,
  InvalidDocument,
} from './errors';
import { rootMap, storedMetaSchema } from './stored';

export const CURRENT_SCHEMA_VERSION = 1;

export type DocKind = 'patient' | 'consult';

export interface DocMeta {
  readonly kind: DocKind;
  readonly id: string;
  readonly homeClinicId: ClinicId;
  readonly createdAt: number;
  readonly createdBy: Actor;
  readonly schemaVersion: number;
}

/** Reads and validates `meta`. Never throws. */
export function readMeta(doc: Y.Doc): Result<DocMeta, InvalidDocument> {
  let raw: Record<string, unknown>;
  try {
    raw = rootMap(doc, 'meta').toJSON();
  } catch {
    return err({
      type: 'InvalidDocument',
      problems: [{ path: 'meta', message: 'meta is not a map' }],
    });
  }
  const parsed = storedMetaSchema.safeParse(raw);
  if (!parsed.success) {
    const problems: DocumentProblem[] = parsed.error.issues.map((issue) => ({
      path: ['meta', ...issue.path.map(String)].join('.'),
      message: issue.message,
    }));
    return err({ type: 'InvalidDocument', problems });
  }
  const meta = parsed.data;
  return ok({
    kind: meta.kind,
    id: meta.id,
    homeClinicId: meta.homeClinicId as ClinicId,
    createdAt: meta.createdAt,
    createdBy: fromStoredActor(meta.createdBy),
    schemaVersion: meta.schemaVersion,
  });
}

/** Checks a document may be written by this code: right kind, current version. */
export function openForWrite(doc: Y.Doc, kind: DocKind): Result<DocMeta, DocumentAccessError> {
  const meta = readMeta(doc);
  if (!meta.ok) return meta;
  if (meta.value.kind !== kind)
    return err({ type: 'WrongDocumentKind', expected: kind, actual: meta.value.kind });
  const version = meta.value.schemaVersion;
  if (version > CURRENT_SCHEMA_VERSION) {
    return err({
      type: 'DocumentFromNewerVersion',
      documentVersion: version,
      supportedVersion: CURRENT_SCHEMA_VERSION,
    });
  }
  if (version < CURRENT_SCHEMA_VERSION) {
    return err({
      type: 'DocumentNeedsUpgrade',
      documentVersion: version,
      currentVersion: CURRENT_SCHEMA_VERSION,
    });
  }
  return ok(meta.value);
}

/**
 * One upgrade from `from` to `from + 1`. Contract for `up`:
 * - It runs inside the upgrade transaction and must not throw on any document
 *   that passed `readMeta` (a throw leaves the document partly upgraded).
 * - It must be safe when two replicas upgrade the same document concurrently:
 *   write entries with ids derived deterministically from what they replace
 *   (readers keep the first entry of a repeated id), and never delete data
 *   another replica might still be writing to the old place.
 */
export interface UpgradeStep {
  readonly from: number;
  readonly description: string;
  readonly up: (doc: Y.Doc, meta: DocMeta) => void;
}

/** The real upgrade chain. Version 1 is the first version, so it is empty. */
export const UPGRADE_STEPS: readonly UpgradeStep[] = [];

export interface UpgradeOptions {
  readonly steps?: readonly UpgradeStep[];
  readonly targetVersion?: number;
  readonly origin?: unknown;
}

export interface UpgradeOutcome {
  readonly from: number;
  readonly to: number;
  /** Descriptions of the steps applied, in order; empty when already current. */
  readonly applied: readonly string[];
}

export const UPGRADE_ORIGIN = { source: 'outpost/model', op: 'upgradeDocument' } as const;

/**
 * Brings a document to the target version (default: current) by running the
 * chain of upgrade steps in one transaction. A document from a newer version is
 * refused and left untouched; a missing step is a programmer error (throws).
 */
export function upgradeDocument(
  doc: Y.Doc,
  options: UpgradeOptions = {},
): Result<UpgradeOutcome, DocumentFromNewerVersion | InvalidDocument> {
  const steps = options.steps ?? UPGRADE_STEPS;
  const target = options.targetVersion ?? CURRENT_SCHEMA_VERSION;
  const meta = readMeta(doc);
  if (!meta.ok) return meta;
  const from = meta.value.schemaVersion;
  if (from > target)
    return err({
      type: 'DocumentFromNewerVersion',
      documentVersion: from,
      supportedVersion: target,
    });
  if (from === target) return ok({ from, to: target, applied: [] });
  const chain: UpgradeStep[] = [];
  for (let version = from; version < target; version++) {
    const step = steps.find((candidate) => candidate.from === version);
    if (step === undefined) throw new Error(`no upgrade step from schema version ${version}`);
    chain.push(step);
  }
  doc.transact(() => {
    const metaMap = rootMap(doc, 'meta');
    for (const step of chain) {
      step.up(doc, { ...meta.value, schemaVersion: step.from });
      metaMap.set('schemaVersion', step.from + 1);
    }
  }, options.origin ?? UPGRADE_ORIGIN);
  return ok({ from, to: target, applied: chain.map((step) => step.description) });
}
