/**
 * Read models derived from a document (patients, observations, consults). They
 * are rebuilt from the whole document inside the transaction that stores each
 * update, so they never lag the log and can always be rebuilt from `documents`.
 */
import { eq } from 'drizzle-orm';
import type * as Y from 'yjs';
import { readConsult, readPatient, type DocKind } from '@outpost/shared/model';
import type { Db } from '../db/database';
import { consultQueueFields } from '../consults/queue-fields';
import { clinics, consultAttachments, consults, observations, patients } from '../db/schema';

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type Writer = Db | Tx;

export async function rebuildReadModels(
  tx: Writer,
  docId: string,
  kind: DocKind,
  doc: Y.Doc,
  clinicId: string,
  now: Date,
): Promise<void> {
  if (kind === 'patient') await rebuildPatient(tx, docId, doc, clinicId, now);
  else await rebuildConsult(tx, docId, doc, clinicId, now);
}

async function rebuildPatient(tx: Writer, docId: string, doc: Y.Doc, clinicId: string, now: Date) {
  const read = readPatient(doc);
  if (!read.ok) return; // validateDocument passed before this, so this does not happen
  const view = read.value;
  const givenName = view.profile.givenName ?? null;
  const familyName = view.profile.familyName ?? null;
  const latestVitals = Object.fromEntries(
    Object.entries(view.latest).map(([key, observation]) => [
      key,
      {
        value: observation.value,
        ...(observation.unit !== undefined && { unit: observation.unit }),
        effectiveAt: observation.effectiveAt,
      },
    ]),
  );
  const row = {
    docId,
    clinicId,
    givenName,
    familyName,
    displayName: [givenName, familyName].filter((part) => part !== null).join(' ') || '(no name)',
    village: view.profile.village ?? null,
    sex: view.sex.status === 'known' ? view.sex.current.value : null,
    birthDate: view.dateOfBirth.status === 'known' ? view.dateOfBirth.current.value.date : null,
    birthDateEstimated:
      view.dateOfBirth.status === 'known' ? view.dateOfBirth.current.value.estimated : null,
    phone: view.profile.phone ?? null,
    needsReview: view.needsReview,
    latestVitals,
    encounterCount: view.encounters.length,
    createdAt: new Date(view.createdAt),
    updatedAt: now,
  };
  const { docId: _key, ...changes } = row;
  await tx
    .insert(patients)
    .values(row)
    .onConflictDoUpdate({ target: patients.docId, set: changes });

  await tx.delete(observations).where(eq(observations.docId, docId));
  const all = [
    ...view.encounters.flatMap((encounter) => encounter.observations),
    ...view.unfiledObservations,
  ];
  const rows = all.map((observation) => ({
    docId,
    id: observation.id,
    clinicId,
    encounterId: observation.encounterId,
    key: observation.key,
    system: observation.system,
    code: observation.code,
    valueNumber: typeof observation.value === 'number' ? observation.value : null,
    valueText:
      typeof observation.value === 'number'
        ? null
        : (observation.valueCode ?? String(observation.value)),
    unit: observation.unit ?? null,
    effectiveAt: new Date(observation.effectiveAt),
    status: observation.status,
    sourceKind: observation.source.kind,
  }));
  // Observation ids are unique within a document (readPatient keeps the first of a repeated id).
  const unique = [...new Map(rows.map((item) => [item.id, item])).values()];
  for (let start = 0; start < unique.length; start += 500)
    await tx.insert(observations).values(unique.slice(start, start + 500));
}

async function rebuildConsult(tx: Writer, docId: string, doc: Y.Doc, clinicId: string, now: Date) {
  const read = readConsult(doc);
  if (!read.ok) return;
  const view = read.value;
  const [clinic] = await tx
    .select({ districtId: clinics.districtId })
    .from(clinics)
    .where(eq(clinics.id, clinicId))
    .limit(1);
  const { attachments, ...queue } = consultQueueFields(view, now.getTime());
  const row = {
    docId,
    clinicId,
    districtId: clinic?.districtId ?? null,
    patientDocId: `patient/${view.patientId}`,
    status: view.status,
    priority: view.priority,
    specialty: view.routing.kind === 'specialty' ? view.routing.specialty : null,
    assigneeUserId: view.routing.kind === 'specialist' ? view.routing.userId : null,
    messageCount: view.messages.length,
    ...queue,
    photoCount: attachments.length,
    createdAt: new Date(view.createdAt),
    updatedAt: now,
  };
  const { docId: _key, ...changes } = row;
  await tx
    .insert(consults)
    .values(row)
    .onConflictDoUpdate({ target: consults.docId, set: changes });
  await tx.delete(consultAttachments).where(eq(consultAttachments.docId, docId));
  if (attachments.length > 0)
    await tx.insert(consultAttachments).values(attachments.map((sha256) => ({ docId, sha256 })));
}
