/**
 * Test-only page hooks for the benchmark (`pnpm bench local`): loaded by the
 * layout only when `localStorage['outpost.testHooks'] === '1'`, in its own
 * chunk, so no user ever downloads it. Seeding goes through the app's own
 * store (`LocalStore.createDocument`, real domain operations, real IndexedDB
 * commits): nothing about the store is faked. A backdated clock gives a
 * patient three years of monthly visits, as the workload generator does.
 */
import {
  closeEncounter,
  createPatient,
  startEncounter,
  type OpContext,
  type ReadingInput,
} from '@outpost/shared/model';
import { patientSearch } from '$lib/managers/patient-search.svelte';
import { session } from '$lib/managers/session.svelte';
import { saveReadings } from '$lib/visit';

const GIVEN = [
  'Amina',
  'Wanjiru',
  'Mohamed',
  'Neema',
  'Baraka',
  'Juma',
  'Fatuma',
  'Halima',
  'Rehema',
  'Zawadi',
  'Khamis',
  'Hassan',
  'Ali',
  'Grace',
  'Joseph',
  'Mary',
  'Peter',
  'Esther',
  'Daudi',
  'Saida',
  'Mwanaisha',
  'Omari',
  'Yusuf',
  'Aisha',
  'Upendo',
  'Imani',
  'Furaha',
  'Salma',
  'Ibrahim',
  'Jabiri',
  'Achieng',
  'Otieno',
  'Njeri',
  'Kamau',
  'Wambui',
  'Mercy',
  'Faith',
  'Hadija',
  'Shabani',
  'Chausiku',
  'Rukia',
  'Bakari',
  'Mwajuma',
  'Selemani',
  'Tumaini',
];
const FAMILY = [
  'Kamau',
  'Otieno',
  'Mushi',
  'Juma',
  'Salim',
  'Mwangi',
  'Njoroge',
  'Kimaro',
  'Massawe',
  'Lyimo',
  'Temba',
  'Mrema',
  'Swai',
  'Shirima',
  'Mollel',
  'Laizer',
  'Kaaya',
  'Mbwambo',
  'Kombo',
  'Hamisi',
  'Mohamed',
  'Ochieng',
  'Wanjala',
  'Mutua',
  'Kariuki',
  'Odhiambo',
  'Nyambura',
  'Chande',
  'Mfinanga',
  'Minja',
  'Urassa',
  'Makundi',
  'Ngowi',
  'Kessy',
  'Tarimo',
];
const VILLAGES = [
  'Kijiji Cha Juu',
  'Mto wa Mbu',
  'Majengo',
  'Mlimani',
  'Kisiwani',
  'Bondeni',
  'Mwembeni',
  'Sokoni',
  'Kilimahewa',
  'Mnazi Mmoja',
  'Ukombozi',
  'Msasani',
  'Mbezi',
  'Tegeta',
  'Kibaoni',
];

function seeded(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 0x1_0000_0000;
  };
}

const pick = <T>(random: () => number, list: readonly T[]): T =>
  list[Math.floor(random() * list.length)]!;

function backdated(ctx: OpContext, atMs: () => number): OpContext {
  return { ...ctx, clock: { now: atMs } };
}

const MONTH_MS = 30 * 86_400_000;

async function seedPatients(count: number, seed = 1): Promise<number> {
  const store = session.store;
  if (!store) throw new Error('no clinic store');
  const random = seeded(seed);
  let created = 0;
  const batch: Promise<unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const given = pick(random, GIVEN);
    const family = pick(random, FAMILY);
    const phone = `07${String(Math.floor(random() * 1e8)).padStart(8, '0')}`;
    const village = pick(random, VILLAGES);
    const age = 1 + Math.floor(random() * 80);
    const sex = random() < 0.55 ? 'female' : 'male';
    batch.push(
      store
        .createDocument('patient', (doc, ctx) =>
          createPatient(doc, ctx, {
            homeClinicId: store.clinicId,
            profile: {
              givenName: given,
              familyName: family,
              phone,
              village,
              nationalId: `TZ-${19_000_000 + seed * 100_000 + i}`,
            },
            sex,
            dateOfBirth: { ageYears: age },
          }),
        )
        .then((result) => {
          if (result.ok) created++;
        }),
    );
    if (batch.length >= 200) await Promise.all(batch.splice(0));
  }
  await Promise.all(batch);
  return created;
}

/** A patient with `months` monthly visits of six vitals each, scored and closed. */
async function seedHistory(months: number): Promise<string> {
  const store = session.store;
  if (!store) throw new Error('no clinic store');
  const random = seeded(7);
  const start = Date.now() - months * MONTH_MS - 86_400_000;
  let at = start;
  const result = await store.createDocument('patient', (doc, ctx) => {
    const past = backdated(ctx, () => at);
    const created = createPatient(doc, past, {
      homeClinicId: store.clinicId,
      profile: { givenName: 'Historia', familyName: 'Ndefu', village: 'Majengo' },
      sex: 'female',
      dateOfBirth: { ageYears: 58 },
    });
    if (!created.ok) return created;
    for (let month = 0; month < months; month++) {
      at = start + month * MONTH_MS + 3_600_000;
      const encounter = startEncounter(doc, past, {});
      if (!encounter.ok) return encounter;
      const readings: ReadingInput[] = [
        { key: 'heartRate', value: 70 + Math.round(random() * 30) },
        { key: 'respiratoryRate', value: 14 + Math.round(random() * 8) },
        { key: 'spo2', value: 93 + Math.round(random() * 6) },
        { key: 'systolicBP', value: 115 + Math.round(random() * 40) },
        { key: 'diastolicBP', value: 70 + Math.round(random() * 25) },
        { key: 'temperature', value: 36 + Math.round(random() * 20) / 10 },
      ];
      const saved = saveReadings(doc, past, {
        encounterId: encounter.value,
        readings,
        source: { kind: 'typed' },
      });
      if (!saved.ok) return saved;
      const closed = closeEncounter(doc, past, { encounterId: encounter.value });
      if (!closed.ok) return closed;
    }
    return created;
  });
  if (!result.ok) throw new Error(JSON.stringify(result.error));
  return result.value.id;
}

export interface OutpostTestHooks {
  seedPatients: typeof seedPatients;
  seedHistory: typeof seedHistory;
  /** Resolves when the search index holds every saved patient. */
  searchSettled: () => Promise<{ ready: boolean; size: number }>;
}

export function install(): void {
  const hooks: OutpostTestHooks = {
    seedPatients,
    seedHistory,
    searchSettled: async () => {
      for (let waited = 0; !patientSearch.ready && waited < 120_000; waited += 100)
        await new Promise((resolve) => setTimeout(resolve, 100));
      await new Promise((resolve) => setTimeout(resolve, 50));
      await patientSearch.settled();
      return { ready: patientSearch.ready, size: patientSearch.recent(1e9).length };
    },
  };
  (globalThis as { __outpost?: OutpostTestHooks }).__outpost = hooks;
}
