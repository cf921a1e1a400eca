/**
 * The duplicate warning of the registration and edit forms: patients on this
 * tablet who look like the person typed — the same national ID, or a name
 * that sounds the same (Mohamed / Muhammad) with a close age, the same
 * village, phone or clinic number ($lib/search/duplicates). When an existing
 * record is being edited, it is not its own duplicate, nor are the records
 * marked "not the same person" as it.
 */
import { resolve } from '$app/paths';
import type { LocalStore, PatientRow } from '$lib/db';
import { i18n } from '$lib/i18n/i18n.svelte';
import { patientSearch } from '$lib/managers/patient-search.svelte';
import type { DraftIdentity, DuplicateCandidate } from '$lib/registration';
import {
  duplicateReasons,
  identityOfRow,
  markedDistinct,
  type DuplicateReason,
  type Identity,
} from './duplicates';

function describe(row: PatientRow, reasons: readonly DuplicateReason[]): string {
  const facts = [
    row.village,
    row.phone,
    row.birthDate ? i18n.date(Date.parse(row.birthDate)) : undefined,
  ].filter(Boolean);
  const why = reasons
    .filter((reason) => reason !== 'name')
    .map((reason) => i18n.t(`duplicates.reason.${reason}`));
  return [...facts, ...(why.length > 0 ? [`(${why.join(', ')})`] : [])].join(' · ');
}

const toIdentity = (typed: DraftIdentity): Identity & { name: string } => ({
  name: typed.name,
  ...(typed.sex ? { sex: typed.sex } : {}),
  ...(typed.ageYears === undefined ? {} : { ageYears: typed.ageYears }),
  ageEstimated: typed.ageEstimated,
  village: typed.village,
  phone: typed.phone,
  nationalId: typed.nationalId,
  clinicNumber: typed.clinicNumber,
});

export class DuplicateWarning {
  candidates = $state.raw<DuplicateCandidate[]>([]);
  #lookup = 0;
  readonly editing: string | undefined;

  /** `editing`: the patient id of the record being edited. */
  constructor(editing?: string) {
    this.editing = editing;
  }

  clear(): void {
    this.#lookup++;
    this.candidates = [];
  }

  async check(store: LocalStore, typed: DraftIdentity): Promise<void> {
    const mine = ++this.#lookup;
    const identity = toIdentity(typed);
    const now = Date.now();
    let found: { row: PatientRow; reasons: DuplicateReason[] }[];
    if (patientSearch.ready) {
      await Promise.resolve();
      found = patientSearch.duplicatesOf(
        identity,
        now,
        { duplicateReasons, identityOfRow, markedDistinct },
        this.editing,
      );
    } else {
      // The index is still being built: the store's prefix search, same rules.
      const rows: Record<string, PatientRow> = {};
      const queries = [identity.nationalId, identity.phone, identity.name].filter(
        (q): q is string => q !== undefined && q.trim().length >= 3,
      );
      for (const query of queries)
        for (const row of await store.searchPatients(query, 20)) rows[row.id] = row;
      const self =
        this.editing === undefined
          ? undefined
          : await store.getPatientRow(`patient/${this.editing}`);
      found = Object.values(rows)
        .filter(
          (row) =>
            row.mergedInto === undefined &&
            row.id !== this.editing &&
            (self === undefined || !markedDistinct(self, row)),
        )
        .map((row) => ({ row, reasons: duplicateReasons(identity, identityOfRow(row, now)) }))
        .filter((match) => match.reasons.length > 0);
    }
    if (mine !== this.#lookup) return;
    this.candidates = found.map(({ row, reasons }) => ({
      id: row.id,
      name: row.name,
      detail: describe(row, reasons),
      href: resolve('/patients/[id]', { id: row.id }),
    }));
  }
}
