import { describe, expect, it } from 'vitest';
import { asksPregnancy, emptyDraft, validateDraft, type RegistrationDraft } from './registration';

const today = '2026-11-25';
const draft = (patch: Partial<RegistrationDraft>): RegistrationDraft => ({
  ...emptyDraft(),
  ...patch,
});

describe('the registration form', () => {
  it('names every missing required field', () => {
    const result = validateDraft(emptyDraft(), today);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual({
      givenName: 'register.error.required',
      sex: 'register.error.required',
      birthDate: 'register.error.date',
    });
  });

  it('builds the registration of an adult with an estimated age', () => {
    const result = validateDraft(
      draft({
        givenName: ' Amina ',
        familyName: 'Testperson',
        sex: 'female',
        birthMode: 'age',
        ageYears: '34',
        village: 'Kijiji A',
        pregnancy: 'pregnant',
        gestationalWeeks: '32',
        conditions: 'hypertension, asthma',
        allergies: 'penicillin',
      }),
      today,
    );
    expect(result).toEqual({
      ok: true,
      value: {
        profile: { givenName: 'Amina', familyName: 'Testperson', village: 'Kijiji A' },
        sex: 'female',
        dateOfBirth: { ageYears: 34 },
        pregnancy: { status: 'pregnant', gestationalWeeks: 32 },
        conditions: ['hypertension', 'asthma'],
        allergies: ['penicillin'],
      },
    });
  });

  it('refuses a birth date in the future and a bad phone number', () => {
    const result = validateDraft(
      draft({ givenName: 'A', sex: 'male', birthDate: '2027-01-01', phone: 'call me' }),
      today,
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toMatchObject({
      birthDate: 'register.error.future',
      phone: 'register.error.phone',
    });
  });

  it('asks about pregnancy only for women of reproductive age', () => {
    expect(asksPregnancy(draft({ sex: 'female', birthMode: 'age', ageYears: '30' }), today)).toBe(
      true,
    );
    expect(asksPregnancy(draft({ sex: 'female', birthMode: 'age', ageYears: '70' }), today)).toBe(
      false,
    );
    expect(asksPregnancy(draft({ sex: 'male', birthMode: 'age', ageYears: '30' }), today)).toBe(
      false,
    );
    // Sex not known: she may be a woman, and the chart depends on it.
    expect(asksPregnancy(draft({ sex: 'unknown', birthMode: 'age', ageYears: '30' }), today)).toBe(
      true,
    );
  });

  it('keeps a guardian only for a child', () => {
    const child = validateDraft(
      draft({
        givenName: 'B',
        sex: 'male',
        birthDate: '2024-02-01',
        guardianName: 'Mama B',
        guardianRelationship: 'mother',
      }),
      today,
    );
    expect(child.ok && child.value.profile.guardian).toEqual({
      name: 'Mama B',
      relationship: 'mother',
    });
    const adult = validateDraft(
      draft({ givenName: 'C', sex: 'male', birthDate: '1980-02-01', guardianName: 'X' }),
      today,
    );
    expect(adult.ok && adult.value.profile.guardian).toBeUndefined();
  });
});
