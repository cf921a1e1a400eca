/**
 * Continuous monitoring: 1 Hz samples of SpO2 and pulse from a streaming
 * oximeter, and the compact chunk format they are stored in on the tablet.
 *
 * - `OneHertzSampler` turns the device's live events (the CMS50 sends ~10 a
 *   second, a BLE PLX 1 a second) into one sample per whole second: the last
 *   value heard in that second; a finger out or an implausible value is a gap
 *   (`null`), never a number.
 * - `encodeChunk` / `decodeChunk`: a run of samples (one chunk = up to
 *   `CHUNK_SECONDS` of them) as bytes. Layout (all integers unsigned LEB128
 *   varints; deltas zigzag-encoded):
 *     byte 0       format version (1)
 *     varint       start second (epoch seconds of the first sample)
 *     varint       sample count n
 *     n ×          varint Δt (seconds since the previous sample; 0 for the first)
 *                  varint zigzag(Δspo2) where the channel value is spo2 + 1, or 0 for a gap
 *                  varint zigzag(Δpulse), the same for the pulse
 *   A steady patient costs 3 bytes a second (≈ 86 KB for 8 hours).
 * - Truncated, trailing or out-of-range bytes decode to a typed error, never a value.
 *
 * The pleth wave is for display only: it is never put in a sample or a chunk.
 */
import { err, ok, type Result } from '../result';

export const MONITOR_CHUNK_VERSION = 1;
/** One chunk holds up to five minutes of samples. */
export const CHUNK_SECONDS = 300;
/** Plausible range kept in samples (outside it: a gap). Matches model/vitals `possible`. */
export const SAMPLE_SPO2_RANGE: readonly [number, number] = [40, 100];
export const SAMPLE_PULSE_RANGE: readonly [number, number] = [20, 300];

export interface MonitorSample {
  /** Epoch seconds (tablet clock). */
  readonly atSec: number;
  /** Whole percent, or null while there was no usable value. */
  readonly spo2: number | null;
  /** Beats per minute, or null while there was no usable value. */
  readonly pulse: number | null;
}

export type ChunkError =
  | { readonly type: 'TruncatedChunk' }
  | { readonly type: 'TrailingBytes'; readonly extra: number }
  | { readonly type: 'UnknownChunkVersion'; readonly version: number }
  | { readonly type: 'MalformedChunk'; readonly reason: string };

function writeVarint(out: number[], value: number): void {
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

const zigzag = (n: number): number => (n >= 0 ? n * 2 : -n * 2 - 1);
const unzigzag = (n: number): number => (n % 2 === 0 ? n / 2 : -(n + 1) / 2);

function channel(value: number | null): number {
  return value === null ? 0 : value + 1;
}

function inRange(value: number | null | undefined, range: readonly [number, number]) {
  return (
    value !== null &&
    value !== undefined &&
    Number.isInteger(value) &&
    value >= range[0] &&
    value <= range[1]
  );
}

/** Samples in time order, at most one per second. Throws on a programmer error (unsorted). */
export function encodeChunk(samples: readonly MonitorSample[]): Uint8Array {
  const out: number[] = [MONITOR_CHUNK_VERSION];
  const first = samples[0];
  writeVarint(out, first?.atSec ?? 0);
  writeVarint(out, samples.length);
  let previousSec = first?.atSec ?? 0;
  let previousSpo2 = 0;
  let previousPulse = 0;
  for (const sample of samples) {
    const dt = sample.atSec - previousSec;
    if (!Number.isInteger(dt) || dt < 0) throw new Error('samples must be in time order');
    const spo2 = inRange(sample.spo2, SAMPLE_SPO2_RANGE) ? channel(sample.spo2) : 0;
    const pulse = inRange(sample.pulse, SAMPLE_PULSE_RANGE) ? channel(sample.pulse) : 0;
    writeVarint(out, dt);
    writeVarint(out, zigzag(spo2 - previousSpo2));
    writeVarint(out, zigzag(pulse - previousPulse));
    previousSec = sample.atSec;
    previousSpo2 = spo2;
    previousPulse = pulse;
  }
  return Uint8Array.from(out);
}

export function decodeChunk(bytes: Uint8Array): Result<MonitorSample[], ChunkError> {
  let offset = 0;
  const read = (): number | undefined => {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const byte = bytes[offset++];
      if (byte === undefined) return undefined;
      value += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) return value;
      scale *= 0x80;
    }
    return Number.NaN;
  };
  const version = bytes[offset++];
  if (version === undefined) return err({ type: 'TruncatedChunk' });
  if (version !== MONITOR_CHUNK_VERSION) return err({ type: 'UnknownChunkVersion', version });
  const start = read();
  const count = read();
  if (start === undefined || count === undefined) return err({ type: 'TruncatedChunk' });
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(count))
    return err({ type: 'MalformedChunk', reason: 'varint too long' });
  // Each sample takes at least 3 bytes: a count beyond that is a lie, not a big allocation.
  if (count * 3 > bytes.length - offset) return err({ type: 'TruncatedChunk' });
  const samples: MonitorSample[] = [];
  let sec = start;
  let spo2 = 0;
  let pulse = 0;
  for (let i = 0; i < count; i++) {
    const dt = read();
    const ds = read();
    const dp = read();
    if (dt === undefined || ds === undefined || dp === undefined)
      return err({ type: 'TruncatedChunk' });
    if (!Number.isSafeInteger(dt) || !Number.isSafeInteger(ds) || !Number.isSafeInteger(dp))
      return err({ type: 'MalformedChunk', reason: 'varint too long' });
    if (i === 0 && dt !== 0) return err({ type: 'MalformedChunk', reason: 'first Δt is not 0' });
    sec += dt;
    spo2 += unzigzag(ds);
    pulse += unzigzag(dp);
    const spo2Value = spo2 === 0 ? null : spo2 - 1;
    const pulseValue = pulse === 0 ? null : pulse - 1;
    if (spo2Value !== null && !inRange(spo2Value, SAMPLE_SPO2_RANGE))
      return err({ type: 'MalformedChunk', reason: `SpO2 ${spo2Value} out of range` });
    if (pulseValue !== null && !inRange(pulseValue, SAMPLE_PULSE_RANGE))
      return err({ type: 'MalformedChunk', reason: `pulse ${pulseValue} out of range` });
    samples.push({ atSec: sec, spo2: spo2Value, pulse: pulseValue });
  }
  if (offset !== bytes.length) return err({ type: 'TrailingBytes', extra: bytes.length - offset });
  return ok(samples);
}

/** The chunk a sample belongs to: chunks are aligned to `CHUNK_SECONDS` of the session. */
export function chunkIndex(sessionStartSec: number, atSec: number): number {
  return Math.floor((atSec - sessionStartSec) / CHUNK_SECONDS);
}

export interface LiveValue {
  readonly atMs: number;
  readonly spo2Percent?: number | null;
  readonly pulseRateBpm?: number | null;
  readonly fingerOut?: boolean;
}

/**
 * One sample per whole second from live events: `push` returns the samples of
 * the seconds that are now complete (at most one per second, in order).
 * A second with no live event at all is not invented: it is simply absent.
 */
export class OneHertzSampler {
  #sec: number | undefined;
  #spo2: number | null = null;
  #pulse: number | null = null;
  #heard = false;

  push(value: LiveValue): MonitorSample[] {
    if (!Number.isFinite(value.atMs)) return [];
    const sec = Math.floor(value.atMs / 1000);
    const done: MonitorSample[] = [];
    if (this.#sec !== undefined && sec < this.#sec) return done; // clock went back: ignore
    if (this.#sec !== undefined && sec > this.#sec) {
      const flushed = this.flush();
      if (flushed) done.push(flushed);
    }
    if (this.#sec === undefined) this.#sec = sec;
    const out = value.fingerOut === true;
    if (value.spo2Percent !== undefined)
      this.#spo2 = !out && inRange(value.spo2Percent, SAMPLE_SPO2_RANGE) ? value.spo2Percent : null;
    if (value.pulseRateBpm !== undefined)
      this.#pulse =
        !out && inRange(value.pulseRateBpm, SAMPLE_PULSE_RANGE) ? value.pulseRateBpm : null;
    if (out) {
      this.#spo2 = null;
      this.#pulse = null;
    }
    this.#heard = true;
    return done;
  }

  /** The sample of the current (incomplete) second, if any; starts afresh. */
  flush(): MonitorSample | undefined {
    if (this.#sec === undefined || !this.#heard) return undefined;
    const sample = { atSec: this.#sec, spo2: this.#spo2, pulse: this.#pulse };
    this.#sec = undefined;
    this.#heard = false;
    // Values carry on into the next second until the device says otherwise.
    return sample;
  }
}
