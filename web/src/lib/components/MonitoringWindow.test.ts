/**
 * The specialist's view of an attached monitoring window, rendered as the
 * server would render it (no DOM needed): the span, the share with readings
 * and the lowest / median / highest values come from the recording itself.
 */
import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import type { MonitoringWindow } from '@outpost/shared/model';
import MonitoringWindowCard from './MonitoringWindow.svelte';

describe('an attached monitoring window on the consult screen', () => {
  it('shows the span, the coverage and min / median / max of SpO2 and pulse, and a chart', () => {
    const recording: MonitoringWindow = {
      v: 1,
      startSec: 1_772_000_040,
      hz: 1,
      // 15 minutes: SpO2 falling from 95 to 86, the last 90 s finger out.
      spo2: Array.from({ length: 900 }, (_, i) => (i >= 810 ? null : 95 - Math.floor(i / 90))),
      pulse: Array.from({ length: 900 }, (_, i) => (i >= 810 ? null : 110 + Math.floor(i / 30))),
    };
    const { body } = render(MonitoringWindowCard, { props: { recording } });
    const text = body
      .replace(/<!--[^>]*-->/g, '')
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ');
    expect(text).toContain('Monitoring attached by the clinic');
    expect(text).toMatch(/\(15 min\), readings during 90 % of it/);
    expect(text).toMatch(/Oxygen saturation \(SpO2\) \(%\) 87 91 95/);
    expect(text).toMatch(/Heart rate \(\/min\) 110 123 136/);
    expect(body).toContain('<canvas');
  });

  it('a channel with no reading at all says so instead of showing numbers', () => {
    const recording: MonitoringWindow = {
      v: 1,
      startSec: 1_772_000_040,
      hz: 1,
      spo2: [null, null, null],
      pulse: [120, null, 124],
    };
    const { body } = render(MonitoringWindowCard, { props: { recording } });
    expect(body).toContain('no reading');
    expect(body.replace(/<[^>]+>/g, ' ')).toMatch(/120\s+122\s+124/);
  });
});
