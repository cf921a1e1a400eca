import { describe, expect, it } from 'vitest';
import { REJECTION_CODES } from '@outpost/shared/sync';
import type { RejectedUpdate } from '$lib/db';
import { en } from '$lib/i18n/en';
import { REJECTION_ADVICE_KEYS, consultRejections, rejectionAdvice } from './rejections';

const refusal = (over: Partial<RejectedUpdate>): RejectedUpdate => ({
  localSeq: 1,
  docId: 'consult/01930000-0000-7000-8000-0000000000c1',
  code: 'forbidden',
  message: 'Your role may not mark a consult answered.',
  deviceTime: 1_700_000_000_000,
  rejectedAt: 1_700_000_001_000,
  state: 'open',
  ...over,
});

describe('refused consult changes', () => {
  it('every refusal code has advice in words', () => {
    for (const code of REJECTION_CODES)
      expect(en[REJECTION_ADVICE_KEYS[rejectionAdvice(code)]]).toBeTruthy();
    expect(rejectionAdvice('forbidden')).toBe('role');
    expect(rejectionAdvice('too_large')).toBe('size');
    expect(rejectionAdvice('wrong_clinic')).toBe('clinic');
    // A code from a newer server is still explained, never dropped.
    expect(rejectionAdvice('some_future_code')).toBe('damaged');
  });

  it('shows the open refusals of this consult only', () => {
    const ours = refusal({ localSeq: 3 });
    const all = [
      ours,
      refusal({ localSeq: 4, docId: 'consult/01930000-0000-7000-8000-0000000000c2' }),
      refusal({ localSeq: 5, state: 'rekeyed', code: 'client_id_clash' }),
    ];
    expect(consultRejections(all, ours.docId)).toEqual([ours]);
    expect(consultRejections(all, undefined)).toEqual([]);
  });
});
