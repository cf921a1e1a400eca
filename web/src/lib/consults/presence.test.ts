import { describe, expect, it, vi } from 'vitest';
import {
  MAX_NAME_CHARS,
  TypingTracker,
  parsePresence,
  presencePeers,
  presenceState,
  type TypingKind,
} from './presence';

const chiku = { name: 'Dr Chiku', role: 'specialist' } as const;
const neema = { name: 'Neema', role: 'health-worker' } as const;

describe('consult presence', () => {
  it('announces a name and a role only, whatever else the user object holds', () => {
    const user = { ...chiku, userId: 'u-1', patient: 'Zawadi' };
    expect(presenceState(user, 'answer')).toEqual({
      user: { name: 'Dr Chiku', role: 'specialist' },
      typing: 'answer',
    });
    expect(
      presenceState({ name: 'x'.repeat(500), role: 'clinician' }, null).user.name,
    ).toHaveLength(MAX_NAME_CHARS);
  });

  it('ignores remote states that are not a consult presence, and drops unknown fields', () => {
    expect(parsePresence({})).toBeUndefined(); // the stock provider's empty state
    expect(parsePresence(null)).toBeUndefined();
    expect(parsePresence({ user: { name: '  ', role: 'specialist' } })).toBeUndefined();
    expect(parsePresence({ user: { name: 'Eve', role: 'superuser' } })).toBeUndefined();
    expect(parsePresence({ user: { name: 42, role: 'specialist' } })).toBeUndefined();
    expect(
      parsePresence({ user: { ...chiku, note: 'leak' }, typing: 'shouting', extra: 1 }),
    ).toEqual({ user: chiku, typing: null });
  });

  it('lists each person once, typing if any of their tabs is, sorted by name', () => {
    const others = new Map<number, unknown>([
      [11, presenceState(neema, null)],
      [12, presenceState(chiku, null)],
      [13, presenceState(chiku, 'answer')], // the same specialist in a second tab
      [14, {}],
      [15, { user: { name: 'Mallory', role: 'root' } }],
    ]);
    expect(presencePeers(others)).toEqual([
      { ...chiku, typing: 'answer' },
      { ...neema, typing: null },
    ]);
    expect(presencePeers(new Map())).toEqual([]);
  });

  it('typing is announced once per burst and cleared after the idle time or on stop', () => {
    vi.useFakeTimers();
    try {
      const changes: (TypingKind | null)[] = [];
      const tracker = new TypingTracker((typing) => changes.push(typing), 5_000);
      tracker.typed('answer');
      vi.advanceTimersByTime(3_000);
      tracker.typed('answer'); // a keystroke restarts the idle time
      vi.advanceTimersByTime(3_000);
      expect(tracker.typing).toBe('answer');
      expect(changes).toEqual(['answer']);
      vi.advanceTimersByTime(2_001);
      expect(tracker.typing).toBeNull();
      expect(changes).toEqual(['answer', null]);

      tracker.typed('more-info');
      tracker.stop();
      expect(changes).toEqual(['answer', null, 'more-info', null]);
      vi.advanceTimersByTime(10_000);
      expect(changes).toHaveLength(4); // no late timer fires after stop
    } finally {
      vi.useRealTimers();
    }
  });
});
