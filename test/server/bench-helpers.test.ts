import { describe, expect, it } from 'vitest';
import { staticImports } from '../bench/footprint.ts';
import { fmt, median, percentile, ratio } from '../bench/stats.ts';

describe('benchmark helpers (test/bench/)', () => {
  it('takes the median of odd and even counts without reordering the input', () => {
    const values = [5, 1, 3];
    expect(median(values)).toBe(3);
    expect(values).toEqual([5, 1, 3]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('takes nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile(values, 0)).toBe(1);
    expect(percentile([7], 99)).toBe(7);
    expect(() => percentile(values, 101)).toThrow(RangeError);
  });

  it('gives ratios, NaN without a reference, and formats NaN as a dash', () => {
    expect(ratio(3, 4)).toBe(0.75);
    expect(ratio(3, 0)).toBeNaN();
    expect(fmt(ratio(1, 0))).toBe('–');
    expect(fmt(6543.21)).toBe('6,543');
    expect(fmt(0.756, 2)).toBe('0.76');
  });

  it('follows the static imports of built modules, not dynamic ones or packages', () => {
    const code = 'import{a as b}from"./chunk-1.js";import"./side.js";export*from"../x.js";import * as ns from \'/assets/y.js\';const l=()=>import("./lazy.js");import "react";';
    expect(staticImports(code).sort()).toEqual(['../x.js', './chunk-1.js', './side.js', '/assets/y.js']);
  });
});
