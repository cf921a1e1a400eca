import { flushSync } from 'svelte';
import { describe, expect, it } from 'vitest';
import type { ConsultPriority } from '@outpost/shared/model';
import { UrgencyChoice } from './urgency.svelte';

describe('urgency follows the score', () => {
  it('the checked option moves up to a rising floor, keeps a higher choice, and returns when the floor falls', () => {
    let floor = $state<ConsultPriority>('routine');
    const cleanup = $effect.root(() => {
      const choice = new UrgencyChoice(() => floor);
      expect(choice.checked).toBe('routine');

      floor = 'urgent'; // the vitals just scored NEWS2 5
      flushSync();
      expect(choice.checked).toBe('urgent');
      expect(choice.disabled('routine')).toBe(true);
      choice.choose('routine'); // a disabled option cannot be chosen
      expect(choice.checked).toBe('urgent');

      choice.choose('emergency'); // her own, higher choice
      floor = 'urgent';
      flushSync();
      expect(choice.checked).toBe('emergency');

      choice.choose('urgent');
      floor = 'emergency';
      flushSync();
      expect(choice.checked).toBe('emergency');
      expect(choice.disabled('urgent')).toBe(true);

      floor = 'routine'; // a mistyped vital corrected: her own choice again
      flushSync();
      expect(choice.checked).toBe('urgent');
      expect(choice.disabled('routine')).toBe(false);
    });
    cleanup();
  });
});
