/** Patient rows for this folder's tests (not imported by the app). */
import type { PatientRow } from '$lib/db';
import { searchTokens } from '$lib/db/read-models';

let next = 0;

export function testRow(fields: Partial<PatientRow> & { givenName: string }): PatientRow {
  const n = ++next;
  const id = `01930000-0000-7000-8000-${String(n).padStart(12, '0')}`;
  const name = [fields.givenName, fields.familyName].filter(Boolean).join(' ');
  return {
    docId: `patient/${id}`,
    id,
    name,
    latestVitals: {},
    openEncounter: false,
    needsReview: false,
    createdAt: n,
    updatedAt: n,
    tokens: searchTokens([
      fields.givenName,
      fields.familyName,
      fields.village,
      fields.nationalId,
      fields.clinicNumber,
      fields.phone?.replace(/\D/g, ''),
    ]),
    ...fields,
  };
}
