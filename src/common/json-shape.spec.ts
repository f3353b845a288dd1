import { jsonExcess } from './json-shape';

const limits = { maxDepth: 4, maxEntries: 3 };
const nested = (depth: number): unknown => JSON.parse('['.repeat(depth) + ']'.repeat(depth));

describe(jsonExcess.name, () => {
  it('should accept values within both bounds, scalars included', () => {
    expect(jsonExcess({ a: [1, { b: 'x' }], c: null }, limits)).toBeUndefined();
    expect(jsonExcess(nested(4), limits)).toBeUndefined();
    expect(jsonExcess('text', limits)).toBeUndefined();
    expect(jsonExcess(undefined, limits)).toBeUndefined();
  });

  it('should name JSON_MAX_DEPTH when arrays or objects nest one level too deep', () => {
    expect(jsonExcess(nested(5), limits)).toMatch(/deeper than 4 levels \(JSON_MAX_DEPTH\)/);
    expect(jsonExcess({ a: { b: { c: { d: {} } } } }, limits)).toMatch(/JSON_MAX_DEPTH/);
  });

  it('should walk a value far deeper than the call stack allows without overflowing', () => {
    expect(jsonExcess(nested(200_000), { maxDepth: 32, maxEntries: 1000 })).toMatch(/JSON_MAX_DEPTH/);
  });

  it('should name JSON_MAX_ENTRIES for a wide array or object at any depth', () => {
    expect(jsonExcess([1, 2, 3, 4], limits)).toBe(
      'has an array of 4 elements; at most 3 are allowed (JSON_MAX_ENTRIES)',
    );
    expect(jsonExcess({ a: { w: 1, x: 2, y: 3, z: 4 } }, limits)).toBe(
      'has an object of 4 keys; at most 3 are allowed (JSON_MAX_ENTRIES)',
    );
  });

  it('should not enter class instances, which parsed input never holds', () => {
    class Wide {
      readonly items = [1, 2, 3, 4, 5];
    }
    expect(jsonExcess(new Wide(), limits)).toBeUndefined();
  });
});
