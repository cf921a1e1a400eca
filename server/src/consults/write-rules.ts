/**
 * Who may write what into a consult (the model leaves role checks to the
 * server: shared/src/model/consult.ts). Checked on every push and every live
 * write, after the merged document validated and before anything is stored,
 * by comparing the stored document with the merged one. Entries are new when
 * their id was not stored before (ids survive re-keying, SPEC S12).
 *
 * - Every new transition and message is attributed to the device that sends it
 *   (`by.d`): nobody writes in someone else's name. (The device, not the user: a
 *   colleague signed in on the same tablet pushes the outbox of the one before.)
 * - Transitions by role: health workers and clinicians send (draft, more
 *   information, follow-up) and close; specialists open, answer, ask for more
 *   information and close; `received` only ever comes from the server itself.
 * - Specialists never create consults (auth/policy.ts documentAccess) and never
 *   change what the clinic wrote: meta and head stay as stored.
 * - A window of the monitoring raw stream (head `monitoring`, issue 6) is
 *   attached only by the asker — the device that created the consult — and
 *   only before the consult is sent (in the creating change, or while a
 *   draft): what the specialist was sent never changes under them.
 */
import type * as Y from 'yjs';
import { readConsult, type ConsultStatus } from '@outpost/shared/model';
import type { Role } from '../db/schema';

export interface ConsultWriter {
  readonly role: Role;
  readonly deviceId: string;
}

export interface ConsultWriteRefusal {
  readonly message: string;
}

/** Statuses each role may move a consult to. */
export const TRANSITIONS_BY_ROLE: Readonly<Record<Role, readonly ConsultStatus[]>> = {
  'health-worker': ['sent', 'closed'],
  clinician: ['sent', 'closed'],
  specialist: ['opened', 'answered', 'more-info-needed', 'closed'],
  'district-admin': [],
  'system-admin': [],
};

interface RawEntry {
  readonly id?: unknown;
  readonly to?: unknown;
  readonly by?: { readonly u?: unknown; readonly d?: unknown };
}

function entries(doc: Y.Doc | undefined, root: 'transitions' | 'messages'): RawEntry[] {
  if (doc === undefined) return [];
  return doc
    .getArray<unknown>(root)
    .toArray()
    .filter((entry): entry is RawEntry => typeof entry === 'object' && entry !== null);
}

function newEntries(
  before: Y.Doc | undefined,
  after: Y.Doc,
  root: 'transitions' | 'messages',
): RawEntry[] {
  const known = new Set(entries(before, root).map((entry) => entry.id));
  return entries(after, root).filter((entry) => !known.has(entry.id));
}

/** JSON with object keys sorted: two replicas' maps compare equal whatever their insertion order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null)
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

/**
 * Undefined when `writer` may turn `before` (the stored consult; undefined for a
 * creation) into `after`; otherwise why not (no patient data in the message).
 */
export function checkConsultWrite(
  writer: ConsultWriter,
  before: Y.Doc | undefined,
  after: Y.Doc,
): ConsultWriteRefusal | undefined {
  if (writer.role === 'specialist') {
    if (before === undefined) return { message: 'Specialists do not create consults.' };
    for (const root of ['meta', 'head'] as const)
      if (canonical(before.getMap(root).toJSON()) !== canonical(after.getMap(root).toJSON()))
        return { message: `Specialists may not change the consult's ${root}.` };
  }
  const monitoring = (doc: Y.Doc | undefined) => canonical(doc?.getMap('head').get('monitoring'));
  if (monitoring(before) !== monitoring(after)) {
    const creator = after.getMap('meta').get('createdBy') as { d?: unknown } | undefined;
    if (creator?.d !== writer.deviceId)
      return { message: 'Only the health worker who asks may attach monitoring to a consult.' };
    if (before !== undefined) {
      const stored = readConsult(before);
      if (!stored.ok || stored.value.status !== 'draft')
        return { message: 'Monitoring can be attached to a consult only before it is sent.' };
    }
  }
  const allowed = TRANSITIONS_BY_ROLE[writer.role];
  for (const transition of newEntries(before, after, 'transitions')) {
    if (transition.by?.d !== writer.deviceId)
      return { message: 'A new transition must be attributed to the device that sends it.' };
    if (!allowed.includes(transition.to as ConsultStatus))
      return {
        message:
          transition.to === 'received'
            ? 'Only the server marks a consult received.'
            : `Your role may not mark a consult ${String(transition.to)}.`,
      };
  }
  for (const message of newEntries(before, after, 'messages'))
    if (message.by?.d !== writer.deviceId)
      return { message: 'A new message must be attributed to the device that sends it.' };
  return undefined;
}
