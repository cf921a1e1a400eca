/**
 * The patient search index for the open clinic store, kept in memory and in
 * step with the store: built from the `patients` read model when the store
 * opens (in chunks, so the first screen stays responsive), updated row by row
 * as records are saved, synced or changed live, rebuilt when the read models
 * are. Until it is ready, screens fall back to the store's prefix search.
 * Duplicate review (pairs) and the registration warning use the same rows.
 *
 * "Not the same person" is a decision saved in both records (their `links`,
 * shared/model/merge.ts, projected into `PatientRow.distinctFrom`), so every
 * tablet stops proposing the pair after sync. Tablets of an earlier version
 * kept it in this tablet's localStorage only: those dismissals are written
 * into the records once, then forgotten here.
 */
import { err, ok, type Result } from '@outpost/shared/result';
import type { LocalStore, PatientRow } from '$lib/db';
import type * as DuplicateRulesModule from '$lib/search/duplicates';
import type {
  DuplicateFinder,
  DuplicatePair,
  DuplicateReason,
  Identity,
} from '$lib/search/duplicates';
import { PatientIndex } from '$lib/search/patient-index';
import { forgetWords } from '$lib/search/phonetic';

/** Above this many changed records at once (a first sync), rebuild instead of updating. */
const REBUILD_ABOVE = 500;
/** Rows, then blocks, handled per task while the duplicate finder is first filled. */
const FINDER_CHUNK = 500;

const nextTask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

type DuplicateRules = typeof DuplicateRulesModule;
let duplicateRules: Promise<DuplicateRules> | undefined;
/** The duplicate rules load after the first screen: drawing the patient list does not need them. */
const loadDuplicateRules = (): Promise<DuplicateRules> =>
  (duplicateRules ??= import('$lib/search/duplicates'));
/** Writing link entries is needed only when someone decides (or old dismissals are carried over). */
const loadMergeRecords = () => import('$lib/merge-records');

export class PatientSearch {
  /** True once the index holds every patient of the store. */
  ready = $state(false);
  /** Bumped whenever the index changes: screens re-run their query on it. */
  revision = $state(0);
  #index = new PatientIndex();
  /**
   * Likely duplicate pairs, kept up to date row by row like the index; first
   * filled in small tasks after the index is ready (ten thousand patients
   * compared at once would freeze a cheap tablet for a second).
   */
  #finder: DuplicateFinder | undefined;
  #finderFilled = false;
  #pairsCache: { revision: number; day: number; pairs: DuplicatePair[] } | undefined;
  #store: LocalStore | undefined;
  #unsubscribe: (() => void) | undefined;
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping; `revision` is the state
  #dirty = new Set<string>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #work: Promise<void> = Promise.resolve();
  #filling: Promise<void> = Promise.resolve();
  /**
   * Pairs left out besides those the records mark as different people: a
   * decision being saved, and old tablet-only dismissals not yet written into
   * their records (read through `revision`).
   */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- read through `revision`
  readonly #leftOut = new Set<string>();

  /** Follows `store` (idempotent for the same store). */
  attach(store: LocalStore): void {
    if (this.#store === store) return;
    this.#unsubscribe?.();
    this.#store = store;
    this.ready = false;
    this.#index = new PatientIndex();
    this.#resetFinder();
    this.#leftOut.clear();
    this.#unsubscribe = store.subscribe((event) => {
      if (event.type === 'readModels') this.#queue(() => this.#rebuild(store));
      else if (event.type === 'document' && event.docId.startsWith('patient/')) {
        this.#dirty.add(event.docId);
        if (this.#timer === undefined)
          this.#timer = setTimeout(() => {
            this.#timer = undefined;
            this.#queue(() => this.#flush(store));
          }, 20);
      }
    });
    this.#queue(() => this.#rebuild(store));
    this.#queue(() => this.#carryOverDismissals(store));
  }

  /** Earlier versions' tablet-only "Not the same person" list, written into the records. */
  async #carryOverDismissals(store: LocalStore): Promise<void> {
    const { carryOverDismissals } = await loadMergeRecords();
    await carryOverDismissals(store, {
      leftOut: this.#leftOut,
      rowOf: (docId) => this.#index.get(docId),
      abandoned: () => store !== this.#store,
      // Already in the queue: the rows are read again right here.
      saved: (docIds) => {
        for (const docId of docIds) this.#dirty.add(docId);
        return this.#flush(store);
      },
    });
    this.revision++;
  }

  /**
   * Forgets the store and every indexed row (names, phones: patient data in
   * memory) when the key leaves memory (user switch, sign-out, revocation).
   */
  detach(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#store = undefined;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#dirty.clear();
    this.#index = new PatientIndex();
    this.#resetFinder();
    forgetWords();
    this.ready = false;
    this.revision++;
  }

  /** Resolves once every change announced so far is in the index (tests, bench). */
  settled(): Promise<void> {
    return this.#work.then(() => this.#filling);
  }

  #queue(task: () => Promise<void>): void {
    this.#work = this.#work.then(task).catch((error: unknown) => {
      console.error('patient search index', error);
    });
  }

  async #rebuild(store: LocalStore): Promise<void> {
    this.#dirty.clear();
    // IndexedDB counts are unsigned 32-bit: "all" is the largest such limit.
    const rows = await store.listPatients({ limit: 0x7fff_ffff });
    if (store !== this.#store) return;
    const index = new PatientIndex();
    await index.replaceAll(rows);
    if (store !== this.#store) return;
    this.#index = index;
    this.#resetFinder();
    this.ready = true;
    this.revision++;
    // Not awaited: changes saved meanwhile reach the index without waiting for it.
    this.#filling = this.#fillFinder(store).catch((error: unknown) => {
      console.error('duplicate finder', error);
    });
  }

  #resetFinder(): void {
    this.#finder = undefined;
    this.#finderFilled = false;
    this.#pairsCache = undefined;
  }

  /** Fills the duplicate finder from the index and compares the rows, a chunk per task. */
  async #fillFinder(store: LocalStore): Promise<void> {
    const { DuplicateFinder } = await loadDuplicateRules();
    if (store !== this.#store || this.#finder !== undefined) return;
    const finder = new DuplicateFinder();
    this.#finder = finder;
    // From here, changes reach the finder row by row (#flush); the rows as they are now fill it.
    const rows = [...this.#index.all()];
    const abandoned = () => store !== this.#store || finder !== this.#finder || this.#finderFilled;
    for (let i = 0; i < rows.length; i += FINDER_CHUNK) {
      await nextTask();
      if (abandoned()) return;
      // A row changed since the snapshot is already in the finder, newer (#flush).
      for (const row of rows.slice(i, i + FINDER_CHUNK))
        if (this.#index.get(row.docId) === row) finder.upsert(row);
    }
    for (;;) {
      await nextTask();
      if (abandoned()) return;
      if (finder.compare(Date.now(), FINDER_CHUNK)) break;
    }
    this.#finderFilled = true;
    this.revision++;
  }

  async #flush(store: LocalStore): Promise<void> {
    if (this.#dirty.size === 0) return;
    if (this.#dirty.size > REBUILD_ABOVE) return this.#rebuild(store);
    const docIds = [...this.#dirty];
    this.#dirty.clear();
    const rows = await Promise.all(docIds.map((docId) => store.getPatientRow(docId)));
    if (store !== this.#store) return;
    docIds.forEach((docId, i) => {
      const row = rows[i];
      if (row) {
        this.#index.upsert(row);
        this.#finder?.upsert(row);
      } else {
        this.#index.remove(docId);
        this.#finder?.remove(docId);
      }
    });
    this.revision++;
  }

  search(text: string, limit = 50): PatientRow[] {
    return this.#index.search(text, limit);
  }

  recent(limit = 50): PatientRow[] {
    return this.#index.recent(limit);
  }

  row(docId: string): PatientRow | undefined {
    return this.#index.get(docId);
  }

  /** The rows (merged ones included) of the records merged into `patientId`. */
  mergedInto(patientId: string): PatientRow[] {
    const rows: PatientRow[] = [];
    for (const row of this.#index.all()) if (row.mergedInto === patientId) rows.push(row);
    return rows;
  }

  /**
   * Patients who look like the one being registered, with why (`rules`:
   * `$lib/search/duplicates`). `editing`: the patient id of an existing record
   * being changed: it is not its own duplicate, nor are the records marked as
   * a different person from it.
   */
  duplicatesOf(
    identity: Identity,
    nowMs: number,
    {
      duplicateReasons,
      identityOfRow,
      markedDistinct,
    }: Pick<DuplicateRules, 'duplicateReasons' | 'identityOfRow' | 'markedDistinct'>,
    editing?: string,
  ): { row: PatientRow; reasons: DuplicateReason[] }[] {
    const self = editing === undefined ? undefined : this.#index.get(`patient/${editing}`);
    // eslint-disable-next-line svelte/prefer-svelte-reactivity -- local to this call
    const candidates = new Map<string, PatientRow>();
    const lookups = [identity.name, identity.nationalId, identity.phone].filter(
      (text): text is string => text !== undefined && text.trim().length >= 3,
    );
    for (const text of lookups)
      for (const row of this.#index.search(text, 200)) candidates.set(row.docId, row);
    const found: { row: PatientRow; reasons: DuplicateReason[] }[] = [];
    for (const row of candidates.values()) {
      if (row.id === editing || (self !== undefined && markedDistinct(self, row))) continue;
      const reasons = duplicateReasons(identity, identityOfRow(row, nowMs));
      if (reasons.length > 0) found.push({ row, reasons });
    }
    return found.slice(0, 10);
  }

  /**
   * Likely duplicate pairs on this tablet, those marked as different people
   * left out. Cheap once the finder is filled (only changed records are
   * compared again); asked for earlier, it fills the finder at once.
   */
  duplicatePairs(nowMs: number): DuplicatePair[] {
    const day = Math.floor(nowMs / 86_400_000);
    const cached = this.#pairsCache;
    if (cached?.revision === this.revision && cached.day === day) return cached.pairs;
    const finder = this.#finder;
    // The rules are still loading (moments after the first screen): none yet, the
    // fill bumps `revision` when they are in.
    if (finder === undefined) return [];
    if (!this.#finderFilled) {
      finder.replaceAll(this.#index.all());
      this.#finderFilled = true;
    }
    const pairs = finder.pairs(nowMs, (key) => this.#leftOut.has(key));
    this.#pairsCache = { revision: this.revision, day, pairs };
    return pairs;
  }

  /**
   * "Not the same person": saves the decision in both records of the pair
   * (`key`: DuplicatePair.key), so no tablet proposes the pair again once
   * synced. The pair leaves the list at once; it comes back if the save fails
   * (the error, in words, is returned).
   */
  async dismiss(key: string): Promise<Result<void, string>> {
    const store = this.#store;
    if (store === undefined) return err('no records open');
    this.#leftOut.add(key);
    this.revision++;
    try {
      const { markDistinctPair } = await loadMergeRecords();
      const saved = await markDistinctPair(store, key);
      if (!saved.ok) return saved;
      // The rows now say it: the pair stays out without this tablet's help.
      if (store === this.#store) {
        // Read again now, not after the change notification's delay.
        for (const docId of saved.value) this.#dirty.add(docId);
        this.#queue(() => this.#flush(store));
        await this.#work;
      }
      return ok(undefined);
    } finally {
      this.#leftOut.delete(key);
      this.revision++;
    }
  }
}

export const patientSearch = new PatientSearch();
