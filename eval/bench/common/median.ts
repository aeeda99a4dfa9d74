/** The middle value (the upper one of an even count): what the benchmarks compare, robust to a slow outlier run. */
export const median = (xs: readonly number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
