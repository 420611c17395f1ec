import { nestsDeeperThan } from './json-depth';

function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let level = 0; level < depth; level++) value = level % 2 ? [value] : { value };
  return value;
}

describe('nestsDeeperThan', () => {
  it.each([
    [0, false],
    [1, false],
    [32, false],
    [33, true],
    [100_000, true],
  ])('a body nested %i levels deep exceeds 32: %s', (depth, expected) => {
    expect(nestsDeeperThan(nested(depth), 32)).toBe(expected);
  });

  it('ignores scalars and counts every branch', () => {
    expect(nestsDeeperThan(null, 1)).toBe(false);
    expect(nestsDeeperThan({ a: 1, b: { c: [2] } }, 2)).toBe(true);
    expect(nestsDeeperThan({ a: 1, b: { c: 2 } }, 2)).toBe(false);
  });
});
