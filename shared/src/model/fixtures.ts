/**
 * Test data: a deterministic test context and a `PatientBuilder` with named
 * synthetic personas, for this package's tests and other packages' tests.
 * All names are fictional ("Testcase"); never put real patient data here.
 */
import * as Y from 'yjs';
import { createManualClock, type Clock } from '../deps';
import { createSeededIds, type ClinicId, type DeviceId, type UserId } from '../ids';
import { getOrThrow } from '../result';
import type { OpContext } from './context';
import {
  addAllergy,
  addCondition,
  assertFact,
  closeEncounter,
  createPatient,
  recordDangerSigns,
  recordVitals,
  setEncounterNote,
  startEncounter,
  type AddAllergyInput,
  type AddConditionInput,
  type CreatePatientInput,
  type DateOfBirthInput,
  type PregnancyInput,
  type ReadingInput,
} from './patient';
import type { Acvpu } from './readings';
import type { DangerSigns, Sex } from './stored';
import type { VitalKey } from './vitals';

/** Small seeded PRNG (mulberry32): deterministic ids in tests. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export const TEST_CLINIC_ID = '0190a000-0000-7000-8000-00000000c11c' as ClinicId;
export const TEST_USER_ID = '0190a000-0000-7000-8000-0000000005e1' as UserId;
export const TEST_DEVICE_ID = '0190a000-0000-7000-8000-00000000de71' as DeviceId;
/** 2025-03-01T08:00:00Z */
export const TEST_START_MS = Date.UTC(2025, 2, 1, 8, 0, 0);

export type TestContext = OpContext & {
  readonly clock: Clock & { advance(ms: number): void; set(ms: number): void };
};

/** A deterministic context: manual clock, seeded UUIDv7 ids, a fixed actor unless given. */
export function createTestContext(
  options: { seed?: number; startMs?: number; userId?: string; deviceId?: string } = {},
): TestContext {
  const clock = createManualClock(options.startMs ?? TEST_START_MS);
  return {
    actor: {
      userId: (options.userId ?? TEST_USER_ID) as UserId,
      deviceId: (options.deviceId ?? TEST_DEVICE_ID) as DeviceId,
    },
    clock,
    ids: createSeededIds(() => clock.now(), seededRandom(options.seed ?? 1)),
  };
}

export interface PatientSpec {
  readonly homeClinicId?: string;
  readonly profile: CreatePatientInput['profile'];
  readonly sex?: Sex;
  readonly dateOfBirth?: DateOfBirthInput;
  readonly pregnancy?: PregnancyInput;
  readonly allergies?: readonly AddAllergyInput[];
  readonly conditions?: readonly AddConditionInput[];
}

export type VitalsSpec = { readonly [K in VitalKey]?: number } & {
  readonly consciousness?: Acvpu;
  readonly supplementalOxygen?: boolean;
};

export interface VisitSpec {
  readonly reason?: string;
  /** Values in catalogue units; stored as confirmed (fixtures are deliberate). */
  readonly vitals?: VitalsSpec;
  readonly note?: string;
  readonly dangerSigns?: DangerSigns;
  /** Leave the encounter open (default: closed at the end of the visit). */
  readonly open?: boolean;
  /** Clock advance before the visit starts (default one day). */
  readonly afterMs?: number;
}

function vitalsToReadings(vitals: VitalsSpec): ReadingInput[] {
  return Object.entries(vitals).map(([key, value]): ReadingInput => {
    if (key === 'consciousness') return { key, value: value as Acvpu };
    if (key === 'supplementalOxygen') return { key, value: value as boolean };
    return { key: key as VitalKey, value: value as number, confirmed: true };
  });
}

const DAY_MS = 86_400_000;

/** Immutable builder: `PatientBuilder.from({...}).withVisit({...}).build(ctx)` → Y.Doc. */
export class PatientBuilder {
  private constructor(
    private readonly spec: PatientSpec,
    private readonly visits: readonly VisitSpec[],
  ) {}

  static from(spec: PatientSpec): PatientBuilder {
    return new PatientBuilder(spec, []);
  }

  /** A named synthetic persona, including its typical visit. */
  static persona(name: PersonaName): PatientBuilder {
    const persona = PERSONAS[name];
    return new PatientBuilder(persona.patient, persona.visits);
  }

  with(spec: Partial<PatientSpec>): PatientBuilder {
    return new PatientBuilder({ ...this.spec, ...spec }, this.visits);
  }

  withVisit(visit: VisitSpec = {}): PatientBuilder {
    return new PatientBuilder(this.spec, [...this.visits, visit]);
  }

  /** Builds the record with `ctx` (throws on invalid fixture data: a programmer error). */
  build(ctx: OpContext = createTestContext(), doc: Y.Doc = new Y.Doc()): Y.Doc {
    const spec = this.spec;
    const advance = (ms: number) => (ctx.clock as Partial<TestContext['clock']>).advance?.(ms);
    getOrThrow(
      createPatient(doc, ctx, {
        homeClinicId: spec.homeClinicId ?? TEST_CLINIC_ID,
        profile: spec.profile,
        ...(spec.sex !== undefined && { sex: spec.sex }),
        ...(spec.dateOfBirth !== undefined && { dateOfBirth: spec.dateOfBirth }),
      }),
    );
    if (spec.pregnancy !== undefined)
      getOrThrow(assertFact(doc, ctx, { field: 'pregnancy', value: spec.pregnancy }));
    for (const allergy of spec.allergies ?? []) getOrThrow(addAllergy(doc, ctx, allergy));
    for (const condition of spec.conditions ?? []) getOrThrow(addCondition(doc, ctx, condition));
    for (const visit of this.visits) {
      advance(visit.afterMs ?? DAY_MS);
      const encounterId = getOrThrow(
        startEncounter(doc, ctx, visit.reason === undefined ? {} : { reason: visit.reason }),
      );
      advance(5 * 60_000);
      if (visit.vitals !== undefined) {
        getOrThrow(
          recordVitals(doc, ctx, {
            encounterId,
            source: { kind: 'typed' },
            readings: vitalsToReadings(visit.vitals),
          }),
        );
      }
      if (visit.dangerSigns !== undefined)
        getOrThrow(recordDangerSigns(doc, ctx, { encounterId, signs: visit.dangerSigns }));
      if (visit.note !== undefined)
        getOrThrow(setEncounterNote(doc, ctx, { encounterId, text: visit.note }));
      if (visit.open !== true) {
        advance(10 * 60_000);
        getOrThrow(closeEncounter(doc, ctx, { encounterId }));
      }
    }
    return doc;
  }
}

const NO_DANGER_SIGNS: DangerSigns = {
  unableToDrinkOrBreastfeed: false,
  vomitsEverything: false,
  convulsions: false,
  lethargicOrUnconscious: false,
};

/** Named synthetic personas (fictional people, plausible clinical pictures). */
export const PERSONAS = {
  adultWithHypertension: {
    patient: {
      profile: {
        givenName: 'Amina',
        familyName: 'Testcase',
        village: 'Fictionville',
        phone: '+255 700 000 001',
      },
      sex: 'female',
      dateOfBirth: { ageYears: 52 },
      conditions: [{ name: 'Essential hypertension', icd10: 'I10' }],
    },
    visits: [
      {
        reason: 'Blood pressure review',
        vitals: { systolicBP: 162, diastolicBP: 98, heartRate: 78, weight: 81.5 },
        note: 'Takes amlodipine irregularly.',
      },
    ],
  },
  childWithFever: {
    patient: {
      profile: {
        givenName: 'Baraka',
        familyName: 'Testcase',
        village: 'Fictionville',
        guardian: { name: 'Zawadi Testcase', relationship: 'mother', phone: '+255 700 000 002' },
      },
      sex: 'male',
      dateOfBirth: { ageYears: 3, ageMonths: 4 },
    },
    visits: [
      {
        reason: 'Fever for two days',
        vitals: {
          temperature: 39.4,
          heartRate: 142,
          respiratoryRate: 42,
          spo2: 96,
          weight: 13.5,
          muac: 142,
        },
        dangerSigns: NO_DANGER_SIGNS,
        note: 'Fever since Tuesday; drinking well.',
      },
    ],
  },
  pregnantWomanAt32Weeks: {
    patient: {
      profile: { givenName: 'Chiamaka', familyName: 'Testcase', village: 'Makeupton' },
      sex: 'female',
      dateOfBirth: { date: '1998-06-14' },
      pregnancy: { status: 'pregnant', gestationalWeeks: 32 },
    },
    visits: [
      {
        reason: 'Antenatal visit',
        vitals: {
          systolicBP: 128,
          diastolicBP: 82,
          heartRate: 88,
          weight: 68.2,
          temperature: 36.8,
        },
      },
    ],
  },
  elderlyManWithHeartFailure: {
    patient: {
      profile: {
        givenName: 'Dawit',
        familyName: 'Testcase',
        village: 'Makeupton',
        nationalId: 'TEST-0004',
      },
      sex: 'male',
      dateOfBirth: { ageYears: 78 },
      conditions: [{ name: 'Heart failure', icd10: 'I50.9' }],
      allergies: [{ name: 'Penicillin', reaction: 'Rash', severity: 'moderate' }],
    },
    visits: [
      {
        reason: 'Breathlessness and ankle swelling',
        vitals: {
          spo2: 91,
          respiratoryRate: 24,
          heartRate: 104,
          systolicBP: 108,
          diastolicBP: 70,
          temperature: 36.6,
          weight: 71,
          consciousness: 'A',
          supplementalOxygen: false,
        },
      },
    ],
  },
} as const satisfies Record<string, { patient: PatientSpec; visits: readonly VisitSpec[] }>;

export type PersonaName = keyof typeof PERSONAS;

/** Applies every update each doc has that the others lack (full pairwise sync). */
export function syncAll(...docs: readonly Y.Doc[]): void {
  for (const from of docs) {
    for (const to of docs) {
      if (from === to) continue;
      Y.applyUpdate(to, Y.encodeStateAsUpdate(from, Y.encodeStateVector(to)), 'remote');
    }
  }
}

/** A fresh replica of `doc` with its own clientID (another tablet). */
export function replicaOf(doc: Y.Doc, clientID?: number): Y.Doc {
  const replica = new Y.Doc();
  if (clientID !== undefined) replica.clientID = clientID;
  Y.applyUpdate(replica, Y.encodeStateAsUpdate(doc), 'remote');
  return replica;
}
