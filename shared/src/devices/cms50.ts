/**
 * Contec CMS50 family (CMS50D+, CMS50E and relatives) real-time serial stream:
 * the widely documented 5-byte, 60-packets-per-second format.
 *
 *   byte 1: bit 7 = 1 (sync), bit 6 pulse beep, bit 5 SpO2 dropping,
 *           bit 4 searching too long, bits 0–3 signal strength (0–8)
 *   byte 2: bit 7 = 0, bits 0–6 plethysmogram (pulse waveform)
 *   byte 3: bit 7 = 0, bit 6 pulse rate bit 7, bit 5 searching for pulse,
 *           bit 4 probe error ("finger out"), bits 0–3 bar graph (pulse intensity)
 *   byte 4: bit 7 = 0, bits 0–6 pulse rate bits 0–6
 *   byte 5: bit 7 = 0, bits 0–6 SpO2 (%)
 * Sentinels: pulse rate 255 and SpO2 127 mean "no reading". We also treat 0 as no
 * reading (a living patient on an oximeter has neither) and SpO2 101–126 as
 * corrupt. Sources: the Contec protocol as translated on picbasic.co.uk; atbrask's
 * CMS50Dplus reader (which calls byte 1 bit 4 "finger out"; the Contec text calls
 * it "searching time too long", and byte 3 bit 4 "sensor error").
 *
 * There is no checksum, so framing is the only defence against a shifted byte
 * becoming a wrong number: a packet is accepted only when the byte after it is
 * the next sync byte (or the caller says the stream has ended). One inserted or
 * lost byte therefore costs the packet, never produces a wrong sample.
 */
import type { Random } from '../deps';

export const CMS50_PACKET_BYTES = 5;
export const CMS50_PACKETS_PER_SECOND = 60;

export interface Cms50Sample {
  readonly kind: 'cms50Sample';
  /** Null when the device sent a sentinel, or the finger is out, or it is searching. */
  readonly spo2Percent: number | null;
  readonly pulseRateBpm: number | null;
  /** 0–127 waveform sample. */
  readonly plethysmogram: number;
  /** 0–15 pulse bar graph. */
  readonly barGraph: number;
  /** 0–15 (documented 0–8). */
  readonly signalStrength: number;
  readonly fingerOut: boolean;
  readonly searching: boolean;
  readonly searchingTooLong: boolean;
  readonly spo2Dropping: boolean;
  readonly beep: boolean;
  /** The device's own values, sentinels included, for diagnostics. */
  readonly raw: { readonly spo2: number; readonly pulseRate: number };
}

export type Cms50Error =
  | { readonly type: 'ReservedValue'; readonly field: 'spo2'; readonly raw: number }
  | {
      readonly type: 'TruncatedPacket';
      readonly expectedBytes: number;
      readonly actualBytes: number;
    };

export type Cms50Event =
  | { readonly type: 'sample'; readonly sample: Cms50Sample }
  /** Bytes were discarded to regain packet alignment (stream joined mid-packet, noise, lost bytes). */
  | { readonly type: 'resync'; readonly droppedBytes: number }
  | { readonly type: 'error'; readonly error: Cms50Error };

export const CMS50_NO_SPO2 = 127;
export const CMS50_NO_PULSE_RATE = 255;

/** Decodes one aligned packet (sync bits already checked). */
export function decodeCms50Packet(p: Uint8Array): Cms50Event {
  const b0 = p[0] as number;
  const b1 = p[1] as number;
  const b2 = p[2] as number;
  const b3 = p[3] as number;
  const b4 = p[4] as number;
  const spo2 = b4 & 0x7f;
  const pulseRate = ((b2 & 0x40) << 1) | (b3 & 0x7f);
  if (spo2 > 100 && spo2 !== CMS50_NO_SPO2)
    return { type: 'error', error: { type: 'ReservedValue', field: 'spo2', raw: spo2 } };
  const fingerOut = (b2 & 0x10) !== 0;
  const searching = (b2 & 0x20) !== 0;
  const unusable = fingerOut || searching;
  return {
    type: 'sample',
    sample: {
      kind: 'cms50Sample',
      spo2Percent: unusable || spo2 === CMS50_NO_SPO2 || spo2 === 0 ? null : spo2,
      pulseRateBpm:
        unusable || pulseRate === CMS50_NO_PULSE_RATE || pulseRate === 0 ? null : pulseRate,
      plethysmogram: b1 & 0x7f,
      barGraph: b2 & 0x0f,
      signalStrength: b0 & 0x0f,
      fingerOut,
      searching,
      searchingTooLong: (b0 & 0x10) !== 0,
      spo2Dropping: (b0 & 0x20) !== 0,
      beep: (b0 & 0x40) !== 0,
      raw: { spo2, pulseRate },
    },
  };
}

export interface Cms50Parser {
  /** Feeds bytes as they arrive (any chunking); returns the events they complete. */
  push(bytes: Uint8Array): Cms50Event[];
  /** The stream has ended: a complete pending packet is accepted, a partial one reported. */
  end(): Cms50Event[];
}

const isSync = (b: number) => (b & 0x80) !== 0;

/** An incremental parser; it may start mid-packet and resynchronises on the sync bit. */
export function createCms50Parser(): Cms50Parser {
  let buffer: number[] = [];
  let dropped = 0;

  function drop(count: number): void {
    buffer = buffer.slice(count);
    dropped += count;
  }

  function flushDropped(events: Cms50Event[]): void {
    if (dropped > 0) {
      events.push({ type: 'resync', droppedBytes: dropped });
      dropped = 0;
    }
  }

  function drain(atEnd: boolean): Cms50Event[] {
    const events: Cms50Event[] = [];
    for (;;) {
      // Align on a sync byte.
      const start = buffer.findIndex(isSync);
      if (start === -1) {
        if (buffer.length > 0) drop(buffer.length);
        break;
      }
      if (start > 0) drop(start);
      // A sync bit inside the body means this packet was cut short: drop up to it.
      const inner = buffer.slice(1, CMS50_PACKET_BYTES).findIndex(isSync);
      if (inner !== -1) {
        drop(inner + 1);
        continue;
      }
      if (buffer.length < CMS50_PACKET_BYTES) break;
      const next = buffer[CMS50_PACKET_BYTES];
      if (next === undefined && !atEnd) break; // wait for the next sync byte to confirm framing
      if (next !== undefined && !isSync(next)) {
        // Too long: an extra byte crept in. Refuse the whole packet.
        drop(1);
        continue;
      }
      flushDropped(events);
      events.push(decodeCms50Packet(Uint8Array.from(buffer.slice(0, CMS50_PACKET_BYTES))));
      buffer = buffer.slice(CMS50_PACKET_BYTES);
    }
    // Dropped bytes are reported once sync is regained (or at the end), so the
    // events do not depend on how the transport chunked the bytes.
    if (atEnd) flushDropped(events);
    return events;
  }

  return {
    push(bytes) {
      for (const b of bytes) buffer.push(b);
      return drain(false);
    },
    end() {
      const events = drain(true);
      if (buffer.length > 0) {
        events.push({
          type: 'error',
          error: {
            type: 'TruncatedPacket',
            expectedBytes: CMS50_PACKET_BYTES,
            actualBytes: buffer.length,
          },
        });
        buffer = [];
      }
      return events;
    },
  };
}

export interface Cms50PacketInput {
  readonly spo2: number;
  readonly pulseRate: number;
  readonly plethysmogram?: number;
  readonly barGraph?: number;
  readonly signalStrength?: number;
  readonly fingerOut?: boolean;
  readonly searching?: boolean;
  readonly searchingTooLong?: boolean;
  readonly spo2Dropping?: boolean;
  readonly beep?: boolean;
}

/** Builds one 5-byte packet (raw values: pass 127 / 255 for "no reading"). */
export function encodeCms50Packet(input: Cms50PacketInput): Uint8Array {
  return Uint8Array.of(
    0x80 |
      (input.beep ? 0x40 : 0) |
      (input.spo2Dropping ? 0x20 : 0) |
      (input.searchingTooLong ? 0x10 : 0) |
      ((input.signalStrength ?? 6) & 0x0f),
    (input.plethysmogram ?? 64) & 0x7f,
    ((input.pulseRate & 0x80) >> 1) |
      (input.searching ? 0x20 : 0) |
      (input.fingerOut ? 0x10 : 0) |
      ((input.barGraph ?? 5) & 0x0f),
    input.pulseRate & 0x7f,
    input.spo2 & 0x7f,
  );
}

export interface Cms50StreamOptions {
  /** Number of packets (60 per second). */
  readonly packets: number;
  readonly spo2?: number;
  readonly pulseRate?: number;
  /** Start partway through a packet (0–4 bytes cut from the front). */
  readonly startOffset?: number;
  /** Probability per packet of a stray noise byte being inserted after it. */
  readonly noiseProbability?: number;
  /** Packets (by index) during which the finger is out. */
  readonly fingerOutFrom?: number;
}

/**
 * A realistic simulated stream: a pleth wave at the pulse rate, SpO2 and pulse
 * drifting by ±1, optional mid-packet start, noise bytes and finger-out.
 * Deterministic for a given `random`.
 */
export function generateCms50Stream(random: Random, options: Cms50StreamOptions): Uint8Array {
  const out: number[] = [];
  let spo2 = options.spo2 ?? 97;
  let pulseRate = options.pulseRate ?? 72;
  for (let i = 0; i < options.packets; i++) {
    if (i % CMS50_PACKETS_PER_SECOND === 0 && i > 0) {
      spo2 = Math.min(100, Math.max(85, spo2 + Math.round(random.next() * 2 - 1)));
      pulseRate = Math.min(180, Math.max(40, pulseRate + Math.round(random.next() * 2 - 1)));
    }
    const phase = ((i * pulseRate) / 60 / CMS50_PACKETS_PER_SECOND) % 1;
    const wave = Math.round(64 + 50 * Math.sin(phase * 2 * Math.PI) + (random.next() * 6 - 3));
    const fingerOut = options.fingerOutFrom !== undefined && i >= options.fingerOutFrom;
    const packet = encodeCms50Packet({
      spo2: fingerOut ? CMS50_NO_SPO2 : spo2,
      pulseRate: fingerOut ? CMS50_NO_PULSE_RATE : pulseRate,
      plethysmogram: Math.min(127, Math.max(0, wave)),
      barGraph: Math.round((8 * (1 + Math.sin(phase * 2 * Math.PI))) / 2),
      signalStrength: fingerOut ? 0 : 6,
      fingerOut,
      beep: phase < (1 / CMS50_PACKETS_PER_SECOND) * (pulseRate / 60),
    });
    for (const b of packet) out.push(b);
    // Always draw, so a noisy stream carries the same readings as a clean one with the same seed.
    const noiseRoll = random.next();
    const noiseByte = Math.floor(random.next() * 256);
    if (options.noiseProbability !== undefined && noiseRoll < options.noiseProbability)
      out.push(noiseByte);
  }
  return Uint8Array.from(out.slice(options.startOffset ?? 0));
}
