import { isoTime } from '../../../exporters/iso-time';

describe('isoTime', () => {
  test('is new Date(ms).toISOString(), for every kind of millisecond value', () => {
    const times = [0, -0, 0.9, 1, 9, 10, 99, 100, 999, 1000, 1700000000000, 1700000000123.4567, 1700000000999.9999, 1700000001000, 951782400000, 253402300799999, 253402300799999.5];
    let x = 1700000000000;
    for (let i = 0; i < 5000; i++) times.push((x += (i % 7) * 123.456789));
    for (let i = 0; i < 200; i++) times.push(Math.floor(Math.sin(i) * 1e13) + 2e12);
    for (const t of times) expect(isoTime(t)).toBe(new Date(t).toISOString());
  });

  test('outside years 1970 to 9999 too', () => {
    for (const t of [-1, -0.5, -1000.5, -62198755200000, 253402300800000, 8.64e15, -8.64e15]) expect(isoTime(t)).toBe(new Date(t).toISOString());
  });

  test('throws where Date does (invalid times)', () => {
    for (const t of [NaN, Infinity, -Infinity, 8.64e15 + 1]) expect(() => isoTime(t)).toThrow(RangeError);
  });
});
