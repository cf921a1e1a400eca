/**
 * WHO IMCI — fast breathing by age and general danger signs, children under 5.
 *
 * Source: World Health Organization. Integrated Management of Childhood
 * Illness: Chart Booklet. Geneva: WHO, March 2014 (ISBN 978 92 4 150682 3).
 *   - "Assess and classify the sick child age 2 months up to 5 years":
 *     "Check for general danger signs" box — not able to drink or breastfeed,
 *     vomits everything, convulsions, lethargic or unconscious (the 2014 edition
 *     also asks "is the child convulsing now?", recorded here as convulsions).
 *     "A child with any general danger sign needs URGENT attention; complete the
 *     assessment and any pre-referral treatment immediately so referral is not delayed."
 *   - "Does the child have cough or difficult breathing?" box — fast breathing:
 *     2 months up to 12 months: 50 breaths per minute or more;
 *     12 months up to 5 years: 40 breaths per minute or more.
 *   - Sick young infant (birth up to 2 months): fast breathing is 60 breaths
 *     per minute or more.
 *
 * What this does not do: it does not classify the illness (pneumonia, very
 * severe disease, diarrhoea, fever, malnutrition…) — the health worker follows
 * the chart booklet for that. Chest indrawing is recorded and shown, but its
 * classification changed between the 2008 and 2014 editions and is left to the
 * chart. For young infants the general danger signs box does not apply (the
 * young infant chart has its own signs); only fast breathing is checked.
 */
import { err, ok, type Result } from '../result';
import { formatValue, type RuleSetMeta } from './meta';

export const IMCI_META: RuleSetMeta = {
  id: 'who-imci',
  version: 'WHO-IMCI-2014',
  source:
    'World Health Organization. Integrated Management of Childhood Illness: Chart Booklet. Geneva: WHO, March 2014. ' +
    'Check for general danger signs; cough or difficult breathing (fast breathing cut-offs by age); ' +
    'sick young infant up to 2 months (fast breathing 60/min or more).',
  verification: 'verified',
};

export type ImciAgeBand = 'young-infant-under-2-months' | '2-to-11-months' | '12-to-59-months';

/** Fast breathing is this many breaths per minute *or more* (IMCI 2014). */
export const FAST_BREATHING_PER_MIN: Readonly<Record<ImciAgeBand, number>> = {
  'young-infant-under-2-months': 60,
  '2-to-11-months': 50,
  '12-to-59-months': 40,
};

export const GENERAL_DANGER_SIGNS = [
  'unableToDrinkOrBreastfeed',
  'vomitsEverything',
  'convulsions',
  'lethargicOrUnconscious',
] as const;
export type GeneralDangerSign = (typeof GENERAL_DANGER_SIGNS)[number];

export const GENERAL_DANGER_SIGN_LABEL: Readonly<Record<GeneralDangerSign, string>> = {
  unableToDrinkOrBreastfeed: 'not able to drink or breastfeed',
  vomitsEverything: 'vomits everything',
  convulsions: 'convulsions (in this illness, or convulsing now)',
  lethargicOrUnconscious: 'lethargic or unconscious',
};

export interface ImciInput {
  /** Age in completed months (0 = under one month). */
  readonly ageCompletedMonths: number;
  readonly respiratoryRatePerMin?: number;
  /** Each sign: true present, false looked for and absent, undefined not assessed. */
  readonly dangerSigns?: Partial<Readonly<Record<GeneralDangerSign, boolean>>>;
  readonly chestIndrawing?: boolean;
}

export interface ImciResult {
  readonly ruleSet: RuleSetMeta;
  readonly ageBand: ImciAgeBand;
  readonly fastBreathingThresholdPerMin: number;
  /** null when the breaths were not counted. */
  readonly fastBreathing: boolean | null;
  readonly dangerSignsPresent: readonly GeneralDangerSign[];
  /** Signs not assessed: a child can only be called free of danger signs when this is empty. */
  readonly dangerSignsNotAssessed: readonly GeneralDangerSign[];
  /** true when any general danger sign is present (child 2 months up to 5 years). */
  readonly urgentReferral: boolean;
  readonly chestIndrawing: boolean | null;
  readonly reasons: readonly string[];
  readonly actions: readonly string[];
  readonly missing: readonly string[];
}

export interface OutOfImciAgeRange {
  readonly type: 'OutOfImciAgeRange';
  readonly ageCompletedMonths: number;
}

export function imciAgeBand(ageCompletedMonths: number): ImciAgeBand | undefined {
  if (!Number.isFinite(ageCompletedMonths) || ageCompletedMonths < 0) return undefined;
  if (ageCompletedMonths < 2) return 'young-infant-under-2-months';
  if (ageCompletedMonths < 12) return '2-to-11-months';
  if (ageCompletedMonths < 60) return '12-to-59-months';
  return undefined;
}

export function assessImci(input: ImciInput): Result<ImciResult, OutOfImciAgeRange> {
  const ageBand = imciAgeBand(input.ageCompletedMonths);
  if (ageBand === undefined)
    return err({ type: 'OutOfImciAgeRange', ageCompletedMonths: input.ageCompletedMonths });
  const threshold = FAST_BREATHING_PER_MIN[ageBand];
  const reasons: string[] = [];
  const actions: string[] = [];
  const missing: string[] = [];
  const youngInfant = ageBand === 'young-infant-under-2-months';

  let fastBreathing: boolean | null = null;
  if (input.respiratoryRatePerMin === undefined) missing.push('respiratoryRate');
  else {
    fastBreathing = input.respiratoryRatePerMin >= threshold;
    reasons.push(
      `${formatValue(input.respiratoryRatePerMin)} breaths/min ${fastBreathing ? 'is' : 'is not'} fast breathing for age ` +
        `(${threshold}/min or more at ${ageBandLabel(ageBand)})`,
    );
  }

  const dangerSignsPresent: GeneralDangerSign[] = [];
  const dangerSignsNotAssessed: GeneralDangerSign[] = [];
  if (!youngInfant) {
    for (const sign of GENERAL_DANGER_SIGNS) {
      const value = input.dangerSigns?.[sign];
      if (value === true) {
        dangerSignsPresent.push(sign);
        reasons.push(`General danger sign: ${GENERAL_DANGER_SIGN_LABEL[sign]}`);
      } else if (value === undefined) {
        dangerSignsNotAssessed.push(sign);
        missing.push(`dangerSigns.${sign}`);
      }
    }
  }
  const urgentReferral = dangerSignsPresent.length > 0;

  const chestIndrawing = input.chestIndrawing ?? null;
  if (chestIndrawing === true) reasons.push('Chest indrawing present');

  if (urgentReferral) {
    actions.push(
      'URGENT: a child with any general danger sign needs urgent attention. Complete the assessment and any ' +
        'pre-referral treatment from the chart booklet immediately, and refer urgently — start an urgent consult.',
    );
  }
  if (youngInfant) {
    actions.push(
      fastBreathing === true
        ? 'Fast breathing in a young infant: assess now with the sick young infant chart and consider a consult.'
        : 'Young infant: assess with the sick young infant chart (this rule set checks fast breathing only).',
    );
  } else if (fastBreathing === true && !urgentReferral) {
    actions.push(
      'Fast breathing for age: if the child has cough or difficult breathing, classify and treat with the ' +
        '"cough or difficult breathing" box of the chart booklet; consider a consult.',
    );
  }
  if (chestIndrawing === true) {
    actions.push(
      'Chest indrawing: classify with the chart booklet (cough or difficult breathing box); consider a consult.',
    );
  }
  if (dangerSignsNotAssessed.length > 0) {
    actions.push(
      'Check every general danger sign: the child cannot be called free of danger signs until all are checked.',
    );
  }

  return ok({
    ruleSet: IMCI_META,
    ageBand,
    fastBreathingThresholdPerMin: threshold,
    fastBreathing,
    dangerSignsPresent,
    dangerSignsNotAssessed,
    urgentReferral,
    chestIndrawing,
    reasons,
    actions,
    missing,
  });
}

function ageBandLabel(band: ImciAgeBand): string {
  switch (band) {
    case 'young-infant-under-2-months':
      return 'under 2 months';
    case '2-to-11-months':
      return '2 months up to 12 months';
    case '12-to-59-months':
      return '12 months up to 5 years';
  }
}
