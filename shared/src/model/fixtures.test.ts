import { describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import { PERSONAS, PatientBuilder, createTestContext, type PersonaName } from './fixtures';
import { view } from './testSupport';
import { validateDocument } from './validate';

describe('PatientBuilder personas', () => {
  test.each(Object.keys(PERSONAS) as PersonaName[])(
    '%s builds a valid record with its visit',
    (name) => {
      const doc = PatientBuilder.persona(name).build(createTestContext());
      expect(validateDocument(doc).ok).toBe(true);
      const patient = view(doc);
      expect(patient.profile.familyName).toBe('Testcase');
      expect(patient.encounters).toHaveLength(1);
      expect(patient.encounters[0]?.observations.length).toBeGreaterThan(0);
      expect(patient.problems).toEqual([]);
    },
  );

  test('the same context seed builds byte-identical documents', () => {
    const build = () => {
      const doc = new Y.Doc();
      doc.clientID = 1;
      return Y.encodeStateAsUpdate(
        PatientBuilder.persona('pregnantWomanAt32Weeks').build(createTestContext({ seed: 5 }), doc),
      );
    };
    expect(build()).toEqual(build());
  });

  test('from(...).withVisit(...) adds visits in order, leaving the last open when asked', () => {
    const doc = PatientBuilder.from({
      profile: { givenName: 'Kemi', familyName: 'Testcase' },
      sex: 'female',
    })
      .withVisit({ vitals: { temperature: 38.2 } })
      .withVisit({ vitals: { temperature: 37.0, consciousness: 'A' }, open: true, note: 'Better' })
      .build();
    const patient = view(doc);
    expect(patient.encounters.map((e) => e.status)).toEqual(['closed', 'open']);
    expect(patient.latest.temperature?.value).toBe(37);
    expect(patient.encounters[1]?.note).toBe('Better');
  });

  test('the pregnant persona is 32 weeks and the child has a guardian', () => {
    expect(view(PatientBuilder.persona('pregnantWomanAt32Weeks').build()).pregnancy).toMatchObject({
      status: 'known',
      current: { value: { status: 'pregnant', gestationalWeeks: 32 } },
    });
    expect(view(PatientBuilder.persona('childWithFever').build()).profile.guardian).toMatchObject({
      relationship: 'mother',
    });
  });
});
