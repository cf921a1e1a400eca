/**
 * One continuous-monitoring session in an open visit: a pulse oximeter's live
 * values become 1 Hz samples (`OneHertzSampler`), stored on this tablet in
 * five-minute chunks (`encodeChunk`, the `streams` table, rewritten once a
 * minute as it fills), and summarised per minute (min, median, max) into the
 * record (`recordMonitoringMinutes`, which syncs). The pleth wave is never kept.
 *
 * - `resume()` picks up a session still running on this tablet after a reload:
 *   its samples come back from the stored chunks, the chart continues, and any
 *   complete minute not yet in the record is summarised then.
 * - Writes run one at a time, in order (a queue), so a slow save never
 *   reorders minutes; a failed save is shown and retried with the next minute.
 * - `stop()` summarises the last, partial minute, stores the last chunk and
 *   closes the session in the record and on the tablet.
 */
import {
  OneHertzSampler,
  decodeChunk,
  encodeChunk,
  type MonitorSample,
} from '@outpost/shared/devices';
import {
  recordMonitoringMinutes,
  startMonitoring,
  stopMonitoring,
  summariseMinute,
  type MinuteSummary,
} from '@outpost/shared/model';
import type { LocalStore, SaveError, StreamSessionRecord } from '$lib/db';
import type { LiveSample } from '$lib/devices/types';
import { chunkOf, minuteOf } from '$lib/monitoring';
import type { ModelError } from '@outpost/shared/model';

/** Samples kept in memory for the chart: the last 30 minutes. */
export const CHART_SECONDS = 30 * 60;

export interface MonitorTarget {
  readonly store: LocalStore;
  readonly patientDocId: string;
  readonly encounterId: string;
}

export type MonitorProblem =
  | { readonly type: 'save'; readonly error: ModelError | SaveError }
  | { readonly type: 'storage'; readonly message: string };

export class MonitoringSession {
  /** The running session on this tablet, if any. */
  session = $state.raw<StreamSessionRecord | undefined>(undefined);
  /** The last 30 minutes of 1 Hz samples, oldest first; replaced, never mutated. */
  recent = $state.raw<readonly MonitorSample[]>([]);
  busy = $state(false);
  problem = $state.raw<MonitorProblem | undefined>(undefined);
  /** True once `resume()` found a session that was running before a reload. */
  resumed = $state(false);

  #target: MonitorTarget | undefined;
  #sampler = new OneHertzSampler();
  /** Samples of the chunk being filled (and of the minute being filled, within it). */
  #chunk: MonitorSample[] = [];
  #chunkSeq = 0;
  #minute: number | undefined;
  #queue: Promise<void> = Promise.resolve();

  get running(): boolean {
    return this.session !== undefined && this.session.stoppedAt === undefined;
  }

  /** Finds a session of this visit still running on this tablet and continues it. */
  async resume(target: MonitorTarget): Promise<boolean> {
    this.#target = target;
    const sessions = await target.store.streamSessions(target.patientDocId);
    const open = sessions.find(
      (s) => s.stoppedAt === undefined && s.encounterId === target.encounterId,
    );
    if (!open) return false;
    const chunks = await target.store.streamChunks(open.sessionId);
    const samples: MonitorSample[] = [];
    for (const chunk of chunks) {
      const decoded = decodeChunk(chunk.bytes);
      if (decoded.ok) samples.push(...decoded.value);
      else console.warn('monitoring chunk not readable', chunk.seq, decoded.error);
    }
    this.session = open;
    this.resumed = true;
    const last = samples.at(-1);
    this.#chunkSeq = last ? chunkOf(open.startSec, last.atSec) : 0;
    this.#chunk = samples.filter((s) => chunkOf(open.startSec, s.atSec) === this.#chunkSeq);
    this.#minute = last ? minuteOf(last) : undefined;
    this.recent = samples.slice(-CHART_SECONDS);
    // Complete minutes before the last one may not have reached the record.
    // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a local, not UI state
    const complete = new Set(samples.map(minuteOf));
    if (this.#minute !== undefined) complete.delete(this.#minute);
    const summaries = [...complete]
      .sort((a, b) => a - b)
      .flatMap((minute) => {
        const summary = summariseMinute(minute, samples);
        return summary ? [summary] : [];
      });
    if (summaries.length > 0) void this.#enqueue(() => this.#saveMinutes(summaries));
    return true;
  }

  /** Starts monitoring with this device in the visit; resolves once saved. */
  async start(
    target: MonitorTarget,
    device: { readonly id: string; readonly name?: string },
  ): Promise<boolean> {
    if (this.running) return true;
    this.#target = target;
    this.busy = true;
    this.problem = undefined;
    try {
      const startedAt = Date.now();
      const started = await target.store.applyOp(target.patientDocId, (doc, ctx) =>
        startMonitoring(doc, ctx, {
          encounterId: target.encounterId,
          device: {
            id: device.id.slice(0, 100),
            ...(device.name && { name: device.name.slice(0, 100) }),
          },
          startedAt,
        }),
      );
      if (!started.ok) {
        this.problem = { type: 'save', error: started.error };
        return false;
      }
      const session: Omit<StreamSessionRecord, 'key' | 'kind'> = {
        sessionId: started.value,
        patientDocId: target.patientDocId,
        encounterId: target.encounterId,
        deviceId: device.id,
        ...(device.name && { deviceName: device.name }),
        // Chunks are aligned to whole minutes, so a chunk holds whole minutes.
        startSec: Math.floor(startedAt / 60_000) * 60,
        startedAt,
      };
      await target.store.saveStreamSession(session);
      this.session = { ...session, key: `session|${session.sessionId}`, kind: 'session' };
      this.#sampler = new OneHertzSampler();
      this.#chunk = [];
      this.#chunkSeq = 0;
      this.#minute = undefined;
      this.recent = [];
      this.resumed = false;
      return true;
    } catch (error) {
      this.problem = { type: 'storage', message: String(error) };
      return false;
    } finally {
      this.busy = false;
    }
  }

  /** A live sample from a device: only the session's device is recorded. */
  onLive(deviceId: string, sample: LiveSample): void {
    const session = this.session;
    if (!session || session.stoppedAt !== undefined || deviceId !== session.deviceId) return;
    if (sample.spo2Percent === undefined && sample.pulseRateBpm === undefined && !sample.fingerOut)
      return; // a cuff pressure or another device's kind of value
    for (const done of this.#sampler.push(sample)) this.#add(done);
  }

  #add(sample: MonitorSample): void {
    const session = this.session;
    if (!session || sample.atSec < session.startSec) return;
    // A tablet clock set back must not reorder the stream: later seconds only.
    const previous = this.#chunk.at(-1) ?? this.recent.at(-1);
    if (previous && sample.atSec <= previous.atSec) return;
    const minute = minuteOf(sample);
    const seq = chunkOf(session.startSec, sample.atSec);
    if (this.#minute !== undefined && minute > this.#minute) {
      // The minute before is complete: store its chunk and summarise it.
      const finished = this.#minute;
      const summary = summariseMinute(finished, this.#chunk);
      this.#persistChunk();
      if (summary) void this.#enqueue(() => this.#saveMinutes([summary]));
    }
    if (seq !== this.#chunkSeq) {
      if (this.#chunk.length > 0) this.#persistChunk();
      this.#chunk = [];
      this.#chunkSeq = seq;
    }
    this.#minute = minute;
    this.#chunk.push(sample);
    const recent = this.recent.length >= CHART_SECONDS ? this.recent.slice(1) : this.recent;
    this.recent = [...recent, sample];
  }

  #persistChunk(): void {
    const session = this.session;
    const target = this.#target;
    if (!session || !target || this.#chunk.length === 0) return;
    const chunk = {
      sessionId: session.sessionId,
      seq: this.#chunkSeq,
      count: this.#chunk.length,
      bytes: encodeChunk(this.#chunk),
    };
    void this.#enqueue(async () => {
      try {
        await target.store.saveStreamChunk(chunk);
      } catch (error) {
        this.problem = {
          type: 'storage',
          message: error instanceof Error ? error.message : String(error),
        };
      }
    });
  }

  async #saveMinutes(minutes: readonly MinuteSummary[]): Promise<void> {
    const session = this.session;
    const target = this.#target;
    if (!session || !target) return;
    for (let i = 0; i < minutes.length; i += 100) {
      const batch = minutes.slice(i, i + 100).map((m) => ({
        minute: m.minute,
        samples: Math.min(600, m.samples),
        ...(m.spo2 && { spo2: [...m.spo2] as [number, number, number] }),
        ...(m.pulse && { pulse: [...m.pulse] as [number, number, number] }),
      }));
      const saved = await target.store.applyOp(target.patientDocId, (doc, ctx) =>
        recordMonitoringMinutes(doc, ctx, { sessionId: session.sessionId, minutes: batch }),
      );
      if (!saved.ok) {
        this.problem = { type: 'save', error: saved.error };
        return;
      }
    }
    if (this.problem?.type === 'save') this.problem = undefined;
  }

  #enqueue(task: () => Promise<void>): Promise<void> {
    this.#queue = this.#queue.then(task, task).catch((error: unknown) => {
      this.problem = { type: 'storage', message: String(error) };
    });
    return this.#queue;
  }

  /** Stops monitoring: the last minute is summarised, the stream stored, the session closed. */
  async stop(): Promise<boolean> {
    const session = this.session;
    const target = this.#target;
    if (!session || !target || session.stoppedAt !== undefined) return true;
    this.busy = true;
    try {
      const last = this.#sampler.flush();
      if (last) this.#add(last);
      if (this.#minute !== undefined) {
        const summary = summariseMinute(this.#minute, this.#chunk);
        this.#persistChunk();
        if (summary) void this.#enqueue(() => this.#saveMinutes([summary]));
      }
      await this.#enqueue(() => Promise.resolve());
      const stopped = await target.store.applyOp(target.patientDocId, (doc, ctx) =>
        stopMonitoring(doc, ctx, { sessionId: session.sessionId }),
      );
      if (!stopped.ok) {
        this.problem = { type: 'save', error: stopped.error };
        return false;
      }
      const { key: _key, kind: _kind, ...row } = session;
      const stoppedAt = Date.now();
      await target.store.saveStreamSession({ ...row, stoppedAt });
      this.session = undefined;
      this.resumed = false;
      this.#sampler = new OneHertzSampler();
      this.#chunk = [];
      this.#minute = undefined;
      return true;
    } catch (error) {
      this.problem = { type: 'storage', message: String(error) };
      return false;
    } finally {
      this.busy = false;
    }
  }

  /** Waits for every queued write (tests). */
  settled(): Promise<void> {
    return this.#enqueue(() => Promise.resolve());
  }
}
