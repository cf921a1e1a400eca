/**
 * Answer templates a specialist starts from, then edits: the text is in the
 * i18n messages (`consult.template.<id>.text`), the disposition here. They are
 * starting points, not protocols: the specialist signs what they send.
 */
import type { Disposition } from '@outpost/shared/model';

export type AnswerTemplateId =
  'manageReassess' | 'manageFollowUp' | 'referClinic' | 'urgentTransfer';

export interface AnswerTemplate {
  readonly id: AnswerTemplateId;
  readonly disposition: Disposition;
}

export const ANSWER_TEMPLATES: readonly AnswerTemplate[] = [
  { id: 'manageReassess', disposition: 'manage-here' },
  { id: 'manageFollowUp', disposition: 'manage-here' },
  { id: 'referClinic', disposition: 'refer' },
  { id: 'urgentTransfer', disposition: 'urgent-transfer' },
];
