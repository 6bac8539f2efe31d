/**
 * Pair sources against brute force (fast-check): the Pairs set is the sorted, deduplicated i < j pairs without
 * self-pairs; pairsFromLabels / pairsFromGroups are all same-id pairs; pairsFromNeighbors holds, for every
 * sample, its k nearest neighbours (Euclidean, ties by index) by a naive O(n²·d) float64 reference, on data
 * with duplicate points and exact ties. Plus union, has() and errors.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ShapeError, Tensor, ValueError, tensor } from '@tsgrad/tensor';
import { expectError } from '../../../testing/errors.js';
import { Pairs, pairsFromGroups, pairsFromLabels, pairsFromNeighbors } from './pairs.js';

type PairList = [number, number][];

/** Sorted unique (i, j) with i < j from unordered pairs, self-pairs dropped. */
function canonical(pairs: PairList): PairList {
  const keys = new Set(pairs.filter(([i, j]) => i !== j).map(([i, j]) => `${Math.min(i, j)},${Math.max(i, j)}`));
  return [...keys].map((k) => k.split(',').map(Number) as [number, number]).sort((u, v) => u[0] - v[0] || u[1] - v[1]);
}

const listOf = (p: Pairs): PairList => Array.from(p.a, (i, k) => [i, p.b[k]!]);

/** Structural invariants every Pairs set must satisfy. */
function expectWellFormed(p: Pairs): void {
  expect(p.a.length).toBe(p.size);
  expect(p.b.length).toBe(p.size);
  for (let k = 0; k < p.size; k++) {
    expect(p.a[k]!).toBeGreaterThanOrEqual(0);
    expect(p.a[k]!).toBeLessThan(p.b[k]!); // i < j: no self-pairs
    expect(p.b[k]!).toBeLessThan(p.n);
    if (k > 0) {
      const before = p.a[k - 1]! < p.a[k]! || (p.a[k - 1] === p.a[k] && p.b[k - 1]! < p.b[k]!);
      expect(before, `pairs ${k - 1} and ${k} out of order or duplicated`).toBe(true);
    }
  }
}

const bruteSameId = (ids: number[]): PairList => {
  const out: PairList = [];
  for (let i = 0; i < ids.length; i++) for (let j = i + 1; j < ids.length; j++) if (ids[i] === ids[j]) out.push([i, j]);
  return out;
};

/** Naive kNN graph: each i's k nearest others by (exact float64 squared distance, index), symmetrised. */
function bruteNeighbours(rows: number[][], k: number): PairList {
  const out: PairList = [];
  rows.forEach((ri, i) => {
    const others = rows.map((rj, j) => [rj.reduce((s, v, c) => s + (v - ri[c]!) ** 2, 0), j] as const).filter(([, j]) => j !== i);
    others.sort((u, v) => u[0] - v[0] || u[1] - v[1]);
    for (const [, j] of others.slice(0, k)) out.push([i, j]);
  });
  return canonical(out);
}

const pairListArb = fc.integer({ min: 0, max: 12 }).chain((n) =>
  fc.tuple(fc.constant(n), n === 0 ? fc.constant([] as PairList) : fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: 40 })),
);

describe('Pairs', () => {
  it('stores the sorted, deduplicated i < j pairs without self-pairs (against brute force)', () => {
    fc.assert(
      fc.property(pairListArb, ([n, list]) => {
        const p = new Pairs(n, list.map((x) => x[0]), list.map((x) => x[1]));
        expectWellFormed(p);
        expect(listOf(p)).toEqual(canonical(list));
      }),
      { numRuns: 200 },
    );
  });

  it('has() matches membership of the brute-force set for every (i, j), both orders, false on the diagonal', () => {
    fc.assert(
      fc.property(pairListArb, ([n, list]) => {
        const p = new Pairs(n, list.map((x) => x[0]), list.map((x) => x[1]));
        const set = new Set(canonical(list).map(([i, j]) => `${i},${j}`));
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(p.has(i, j)).toBe(set.has(`${Math.min(i, j)},${Math.max(i, j)}`) && i !== j);
      }),
      { numRuns: 100 },
    );
  });

  it('union equals the brute-force union', () => {
    fc.assert(
      fc.property(pairListArb.chain(([n, l1]) => fc.tuple(fc.constant(n), fc.constant(l1), n === 0 ? fc.constant([] as PairList) : fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: 30 }))), ([n, l1, l2]) => {
        const u = new Pairs(n, l1.map((x) => x[0]), l1.map((x) => x[1])).union(new Pairs(n, l2.map((x) => x[0]), l2.map((x) => x[1])));
        expectWellFormed(u);
        expect(u.n).toBe(n);
        expect(listOf(u)).toEqual(canonical([...l1, ...l2]));
      }),
      { numRuns: 100 },
    );
  });

  it('rejects bad n, mismatched index lists, out-of-range or non-integer indices, and unions over different n', () => {
    expectError(() => new Pairs(-1, [], []), ValueError, '[Pairs] n must be a non-negative integer: got -1');
    expectError(() => new Pairs(2.5, [], []), ValueError, '[Pairs] n must be a non-negative integer: got 2.5');
    expectError(() => new Pairs(3, [0, 1], [2]), ValueError, '[Pairs] got 2 first and 1 second indices');
    expectError(() => new Pairs(3, [0, 1], [2, 3]), ValueError, '[Pairs] pair 1 = (1, 3) is out of range for 3 samples');
    expectError(() => new Pairs(3, [-1], [2]), ValueError, '[Pairs] pair 0 = (-1, 2) is out of range for 3 samples');
    expectError(() => new Pairs(3, [0.5], [2]), ValueError, '[Pairs] pair 0 = (0.5, 2) is out of range for 3 samples');
    expectError(() => new Pairs(3, [0], [1]).union(new Pairs(4, [0], [1])), ValueError, '[Pairs.union] sets are over 3 and 4 samples');
  });
});

describe('pairsFromLabels and pairsFromGroups', () => {
  const idsArb = fc.array(fc.integer({ min: -2, max: 3 }), { maxLength: 20 });

  it('equal the brute-force same-id pairs', () => {
    fc.assert(
      fc.property(idsArb, (ids) => {
        for (const f of [pairsFromLabels, pairsFromGroups]) {
          const p = f(ids);
          expectWellFormed(p);
          expect(p.n).toBe(ids.length);
          expect(listOf(p)).toEqual(bruteSameId(ids));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('accept typed arrays and non-integer ids', () => {
    expect(listOf(pairsFromLabels(Int32Array.of(1, 0, 1, 1)))).toEqual([[0, 2], [0, 3], [2, 3]]);
    expect(listOf(pairsFromGroups(Float64Array.of(0.5, 2, 0.5)))).toEqual([[0, 2]]);
    expect(pairsFromLabels([0, 1, 2]).size).toBe(0);
  });

  it('reject NaN ids, naming the function', () => {
    expectError(() => pairsFromLabels([0, Number.NaN]), ValueError, '[pairsFromLabels] entry 1 is not a number: NaN');
    expectError(() => pairsFromGroups([Number.NaN]), ValueError, '[pairsFromGroups] entry 0 is not a number: NaN');
  });
});

describe('pairsFromNeighbors', () => {
  /** n points in d dimensions; small integers (exact ties) or reals, with some rows duplicated. */
  const dataArb = fc
    .record({
      n: fc.integer({ min: 2, max: 24 }),
      d: fc.integer({ min: 1, max: 5 }),
      ints: fc.boolean(),
      offset: fc.constantFrom(0, 0, 100, -1000),
    })
    .chain(({ n, d, ints, offset }) => {
      // Reals are kept clear of subnormals: float32 products of those underflow in the candidate matmul (see the note in the report).
      const value = ints ? fc.integer({ min: -2, max: 2 }) : fc.double({ min: -3, max: 3, noNaN: true }).map((v) => (Math.abs(v) < 1e-6 ? 0 : v));
      return fc.record({
        rows: fc.array(fc.array(value.map((v) => v + offset), { minLength: d, maxLength: d }), { minLength: n, maxLength: n }),
        dup: fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: 6 }),
        k: fc.integer({ min: 1, max: n - 1 }),
        blockSize: fc.constantFrom(undefined, 1, 3, 7),
        dtype: fc.constantFrom('float64' as const, 'float32' as const),
      }).map((r) => {
        const rows = r.rows.map((x) => x.slice());
        for (const [from, to] of r.dup) rows[to] = rows[from]!.slice();
        return { ...r, rows };
      });
    });

  it('holds every sample’s k nearest neighbours (ties by index), symmetrised, and nothing else', () => {
    fc.assert(
      fc.property(dataArb, ({ rows, k, blockSize, dtype }) => {
        const X = tensor(rows, { dtype });
        const stored = (X.toArray() as number[][]); // float32 rounding applied, so the reference sees the same points
        const p = pairsFromNeighbors(X, { k, blockSize });
        expectWellFormed(p);
        expect(listOf(p)).toEqual(bruteNeighbours(stored, k));
      }),
      { numRuns: 250 },
    );
  });

  it('far from the origin in float32 (offset 1000), a near-duplicate pair is still found (cancellation regression)', () => {
    const rows = Array.from({ length: 15 }, (_, i) => [i === 2 || i === 11 ? -999.9999694824218 : -1000]);
    const X = tensor(rows, { dtype: 'float32' });
    const p = pairsFromNeighbors(X, { k: 1 });
    expect(p.has(2, 11)).toBe(true);
    expect(listOf(p)).toEqual(bruteNeighbours(X.toArray() as number[][], 1));
  });

  it('keeps every near-tie as a candidate: a duplicate among a dozen points closer than float32 resolves (regression)', () => {
    // Rows 1 and 17 are the same point, 1e-6 from a dozen zero rows; the other rows sit 1.5–3 away. In float32 the
    // candidate distances of row 1 to 17 and to every zero row all round to about 0, so a fixed candidate budget
    // (k + 8) could drop row 17, its true nearest neighbour (found by fast-check, seed -1739173097).
    const z = [0, 0, 0, 0, 0], far = [0, 0, -2.9999998807907104, 0, 0], dup = [0, 0, 0, -0.000001, 0];
    const rows = [[0, 0, -1.500000059604645, 0, 0], dup, z, z, z, z, z, far, z, z, far, z, z, z, far, z, z, dup, z, z, z];
    const X = tensor(rows, { dtype: 'float32' });
    const p = pairsFromNeighbors(X, { k: 1 });
    expect(p.has(1, 17)).toBe(true);
    expect(listOf(p)).toEqual(bruteNeighbours(X.toArray() as number[][], 1));
  });

  it('flattens higher-rank samples (images) and defaults to k = 5', () => {
    const imgs = new Tensor(Float64Array.from({ length: 8 * 4 }, (_, i) => (i * 7919) % 13), [8, 2, 2]);
    const rows = Array.from({ length: 8 }, (_, i) => Array.from(imgs.data.subarray(i * 4, i * 4 + 4)));
    expect(listOf(pairsFromNeighbors(imgs))).toEqual(bruteNeighbours(rows, 5));
  });

  it('all points identical: ties go to the lowest indices', () => {
    const p = pairsFromNeighbors(tensor(Array.from({ length: 30 }, () => [1, 1]), { dtype: 'float64' }), { k: 1 });
    expect(listOf(p)).toEqual(Array.from({ length: 29 }, (_, j) => [0, j + 1]));
  });

  it('rejects a bad k and tensors that are not [n, ...]', () => {
    const X = tensor([[0], [1], [2], [3]], { dtype: 'float64' });
    expectError(() => pairsFromNeighbors(X, { k: 4 }), ValueError, '[pairsFromNeighbors] k must be an integer in [1, 3] for 4 samples: got 4');
    expectError(() => pairsFromNeighbors(X, { k: 0 }), ValueError, '[pairsFromNeighbors] k must be an integer in [1, 3] for 4 samples: got 0');
    expectError(() => pairsFromNeighbors(X, { k: 1.5 }), ValueError, '[pairsFromNeighbors] k must be an integer in [1, 3] for 4 samples: got 1.5');
    expectError(() => pairsFromNeighbors(tensor([1, 2, 3]), { k: 1 }), ShapeError, '[pairsFromNeighbors] X must be a tensor of rank >= 2 (samples first): got [3]');
    // The checks of the neighbour search it runs name pairsFromNeighbors too.
    expect(() => pairsFromNeighbors(tensor([[0, 1], [Number.NaN, 2], [3, 4]]), { k: 1 })).toThrow(/^\[pairsFromNeighbors\] /);
    expect(() => pairsFromNeighbors(X, { k: 1, blockSize: 0 })).toThrow(/^\[pairsFromNeighbors\] blockSize must be a positive integer: got 0$/);
  });
});
