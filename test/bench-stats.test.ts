/** bench/stats.ts: the order statistics every benchmark figure is reported with. */
import { median, min, percentile, ratio, summarize } from "../bench/stats";

describe("bench stats", () => {
  it("median of an odd count is the middle value, of an even count the mean of the two middle values", () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });

  it("does not depend on input order and does not mutate the input", () => {
    const samples = [9, 2, 7, 4];
    expect(median(samples)).toBe(median([2, 4, 7, 9]));
    expect(samples).toEqual([9, 2, 7, 4]);
  });

  it("min is the smallest sample, negatives included", () => {
    expect(min([3, -2, 8])).toBe(-2);
    expect(min([0])).toBe(0);
  });

  it("percentile interpolates between closest ranks; 0 and 100 are min and max; 50 is the median", () => {
    const v = [10, 20, 30, 40, 50];
    expect(percentile(v, 0)).toBe(10);
    expect(percentile(v, 100)).toBe(50);
    expect(percentile(v, 50)).toBe(median(v));
    expect(percentile(v, 25)).toBe(20);
    expect(percentile(v, 90)).toBeCloseTo(46);
    expect(percentile([1, 2], 99)).toBeCloseTo(1.99);
    expect(percentile([42], 99)).toBe(42);
  });

  it("rejects empty input, non-finite samples and percentiles outside 0..100", () => {
    expect(() => median([])).toThrow("percentile: no samples");
    expect(() => min([])).toThrow("min: no samples");
    expect(() => summarize([])).toThrow("summarize: no samples");
    expect(() => median([1, Number.NaN])).toThrow("sample NaN is not a finite number");
    expect(() => min([Number.POSITIVE_INFINITY])).toThrow("sample Infinity is not a finite number");
    expect(() => percentile([1, 2], -1)).toThrow("p must be within 0..100, got -1");
    expect(() => percentile([1, 2], 101)).toThrow("p must be within 0..100, got 101");
    expect(() => percentile([1, 2], Number.NaN)).toThrow("p must be within 0..100, got NaN");
  });

  it("summarize reports runs, median, min and max", () => {
    expect(summarize([3, 1, 2, 10])).toEqual({ runs: 4, median: 2.5, min: 1, max: 10 });
  });

  it("ratio divides median by median and min by min, and refuses a non-positive baseline", () => {
    const measured = summarize([2, 4, 6]);
    const baseline = summarize([4, 8, 12]);
    expect(ratio(measured, baseline)).toEqual({ median: 0.5, min: 0.5 });
    expect(() => ratio(measured, summarize([0, 1, 2]))).toThrow("ratio: baseline must be positive");
  });
});
