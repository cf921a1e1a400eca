/**
 * Byte fixtures as hex, one per behaviour the tests name. They were assembled by
 * hand from the GATT Specification Supplement field layouts and the Contec CMS50
 * protocol (field by field in the comments), not captured from a physical device;
 * replace or extend with real captures when a device is on the bench.
 */
export const FIXTURES = {
  heartRate: {
    /** flags 00 (uint8, no contact support); 72 bpm. */
    uint8: '0048',
    /** flags 16 (contact supported+detected, RR present); 75 bpm; RR 800/1024 s = 781.25 ms. */
    contactWithRr: '164b2003',
    /** flags 04 (contact supported, not detected); 0 bpm. */
    noContact: '0400',
  },
  bloodPressure: {
    /** flags 00 (mmHg); 120 / 80 / MAP 93. */
    mmHg: '00780050005d00',
    /** flags 01 (kPa); SFLOAT exponent −1: 16.0 / 10.7 / 12.4 kPa. */
    kPa: '01a0f06bf07cf0',
    /** flags 1E: 130/85/100 mmHg, 2024-03-15 08:30:00, pulse 72, user 1, status 0005 (body movement, irregular pulse). */
    full: '1e820055006400e807030f081e004800010500',
    /** flags 00, MAP sent as NaN (07FF): the device did not compute one. */
    mapNaN: '0078005000ff07',
    /** flags 00, systolic NaN. */
    systolicNaN: '00ff075000 6400'.replace(/ /g, ''),
  },
  temperature: {
    /** flags 06 (°C, timestamp, type): FLOAT 367e−1 = 36.7 °C, 2024-03-15 08:30:00, type 6 (mouth). */
    celsiusMouth: '066f0100ffe807030f081e0006',
    /** flags 01 (°F): FLOAT 986e−1 = 98.6 °F. */
    fahrenheit: '01da0300ff',
  },
  plxSpotCheck: {
    /** flags 00: SpO2 97 %, PR 72 /min. */
    basic: '0061004800',
  },
  glucose: {
    /** flags 03 (time offset, concentration kg/L): seq 1, 2024-03-15 07:00:00, +5 min, 95e−5 kg/L (95 mg/dL), capillary whole blood / finger. */
    kgPerL: '030100e807030f0700000500 5fb011'.replace(/ /g, ''),
  },
  weight: {
    /** flags 00 (SI): 14100 × 0.005 kg = 70.5 kg. */
    kg: '001437',
    /** flags 01 (imperial): 15540 × 0.01 lb = 155.4 lb. */
    lb: '01b43c',
  },
  cms50: {
    /** SpO2 97, PR 72, pleth 64, bar graph 5, signal strength 6. */
    packet: '8640054861',
    /** Finger out: byte 3 bit 4 set, SpO2 127, PR 255 (bit 7 carried in byte 3 bit 6). */
    fingerOut: '8040547f7f',
  },
} as const;
