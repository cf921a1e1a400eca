/**
 * The risk panel's words in the health worker's language. shared/risk returns
 * English `text`, `action` and `monitoring` strings next to a structured result
 * (parameter, value, score, trigger, zone, rule id). This maps the structure
 * to i18n messages, with numbers formatted for the locale; anything it does
 * not know (a new rule, a new population) falls back to the English text, so
 * nothing the rules say is ever hidden.
 */
import type {
  News2Parameter,
  News2Reason,
  News2Response,
  RiskAssessment,
} from '@outpost/shared/risk';
import { en, type MessageKey } from '$lib/i18n/en';
import type { Params } from '$lib/i18n/i18n.svelte';

export interface Translator {
  t: (key: MessageKey, params?: Params) => string;
  number: (value: number, options?: Intl.NumberFormatOptions) => string;
}

type MeowsFinding = NonNullable<RiskAssessment['maternal']>['findings'][number];
type ImciResult = NonNullable<RiskAssessment['imci']>;
type TrendResult = RiskAssessment['trends'][number];
type NotApplicable = RiskAssessment['notApplicable'][number];

function isKey(key: string): key is MessageKey {
  return Object.hasOwn(en, key);
}

const ACVPU = new Set(['A', 'C', 'V', 'P', 'U']);

/** The vital's label for a rule parameter (NEWS2 and MEOWS names). */
export function parameterLabel(tr: Translator, parameter: string): string {
  const vital: Record<string, string> = {
    pulse: 'heartRate',
    onOxygen: 'supplementalOxygen',
  };
  const key = `vital.${vital[parameter] ?? parameter}`;
  return isKey(key) ? tr.t(key) : parameter;
}

function value(tr: Translator, v: number | boolean | string): string {
  if (typeof v === 'number') return tr.number(v, { maximumFractionDigits: 1 });
  if (typeof v === 'boolean') return tr.t(v ? 'value.yes' : 'value.no');
  return ACVPU.has(v) ? tr.t(`acvpu.${v as 'A'}`) : v;
}

export function news2ReasonText(
  tr: Translator,
  reason: News2Reason,
  news2: { readonly spo2Scale: 1 | 2; readonly reasons: readonly News2Reason[] },
): string {
  const params = { value: value(tr, reason.value), score: reason.score };
  switch (reason.parameter) {
    case 'spo2': {
      if (news2.spo2Scale === 1) return tr.t('risk.reason.spo2.scale1', params);
      // Scale 2 above 92 % scores by air or oxygen (the chart's two rows).
      const oxygen = news2.reasons.find((r) => r.parameter === 'onOxygen')?.value;
      const above = typeof reason.value === 'number' && reason.value > 92;
      return tr.t(
        !above
          ? 'risk.reason.spo2.scale2'
          : oxygen === true
            ? 'risk.reason.spo2.scale2Oxygen'
            : 'risk.reason.spo2.scale2Air',
        params,
      );
    }
    case 'onOxygen':
      return tr.t(reason.value === true ? 'risk.reason.onOxygen' : 'risk.reason.onAir', params);
    case 'respiratoryRate':
    case 'systolicBP':
    case 'pulse':
    case 'consciousness':
    case 'temperature':
      return tr.t(`risk.reason.${reason.parameter}`, params);
    default:
      return reason.text;
  }
}

export function news2ResponseText(
  tr: Translator,
  response: News2Response,
): { action: string; monitoring: string } {
  const action = `risk.action.${response.trigger}`;
  const monitoring = `risk.monitor.${response.trigger}`;
  return {
    action: isKey(action) ? tr.t(action) : response.action,
    monitoring: isKey(monitoring) ? tr.t(monitoring) : response.monitoring,
  };
}

export function missingText(tr: Translator, missing: readonly News2Parameter[]): string {
  return missing.map((parameter) => parameterLabel(tr, parameter)).join(', ');
}

export function meowsFindingText(tr: Translator, finding: MeowsFinding): string {
  const zone = `risk.meows.zone.${finding.zone}`;
  if (!isKey(zone)) return finding.text;
  return tr.t(zone, {
    parameter: parameterLabel(tr, finding.parameter),
    value: value(tr, finding.value),
  });
}

export function meowsActionText(tr: Translator, maternal: NonNullable<RiskAssessment['maternal']>) {
  if (maternal.triggered) return tr.t('risk.meows.action.triggered');
  if (maternal.missing.length > 0)
    return tr.t('risk.meows.action.missing', {
      missing: missingText(tr, maternal.missing as never),
    });
  return tr.t('risk.meows.action.clear');
}

export function meowsWarningText(tr: Translator, warning: string): string {
  return /awaiting clinical verification/.test(warning) ? tr.t('risk.meows.unverified') : warning;
}

/**
 * The child chart's reasons and actions from its structured result (the same
 * rows paediatric.ts writes, in the same order). The breathing rate is only in
 * the reason text; if it cannot be read there, that reason stays in English.
 */
export function imciTexts(tr: Translator, imci: ImciResult) {
  const reasons: string[] = [];
  if (imci.fastBreathing !== null) {
    const english = imci.reasons[0] ?? '';
    const rate = /^([\d.]+) breaths/.exec(english)?.[1];
    reasons.push(
      rate === undefined
        ? english
        : tr.t(imci.fastBreathing ? 'risk.imci.fast' : 'risk.imci.notFast', {
            rate: value(tr, Number(rate)),
            threshold: imci.fastBreathingThresholdPerMin,
          }),
    );
  }
  for (const sign of imci.dangerSignsPresent)
    reasons.push(`${tr.t('risk.imci.dangerSign')}: ${tr.t(`danger.${sign}`)}`);
  if (imci.chestIndrawing === true) reasons.push(tr.t('risk.imci.chestIndrawing'));
  const actions: string[] = [];
  if (imci.urgentReferral) actions.push(tr.t('risk.imci.action.refer'));
  if (imci.ageBand === 'young-infant-under-2-months')
    actions.push(
      tr.t(imci.fastBreathing === true ? 'risk.imci.action.youngFast' : 'risk.imci.action.young'),
    );
  else if (imci.fastBreathing === true && !imci.urgentReferral)
    actions.push(tr.t('risk.imci.action.fast'));
  if (imci.chestIndrawing === true) actions.push(tr.t('risk.imci.action.indrawing'));
  if (imci.dangerSignsNotAssessed.length > 0) actions.push(tr.t('risk.imci.action.checkSigns'));
  // A row the rules added that this mapping does not know: show the rules' own words.
  return {
    reasons: reasons.length === imci.reasons.length ? reasons : [...imci.reasons],
    actions: actions.length === imci.actions.length ? actions : [...imci.actions],
  };
}

export function trendText(tr: Translator, trend: TrendResult): string {
  const key = `risk.trend.${trend.rule.id}`;
  return isKey(key) ? tr.t(key) : trend.reason;
}

export function notApplicableText(
  tr: Translator,
  population: RiskAssessment['population'],
  item: NotApplicable,
): string {
  const key = `risk.na.${population}.${item.ruleSet}`;
  return isKey(key) ? tr.t(key) : item.reason;
}
