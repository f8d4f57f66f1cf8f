/**
 * Seeded randomness. Every random choice in spatial-ladder goes through a
 * `Random` made here, so the same seed gives the same dataset bytes and the
 * same training curve. Streams are derived by label (`fork`), so adding a
 * consumer never shifts the numbers another consumer sees.
 */
import type { Random } from './types.ts';

/** 32-bit FNV-1a over a string, then avalanched (murmur3 finaliser). */
export function hash32(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** sfc32 generator seeded from (seed, label). */
export function createRandom(seed: number, label = ''): Random {
  const key = `${seed}:${label}`;
  let a = hash32(key, 0x9e3779b9);
  let b = hash32(key, 0x243f6a88);
  let c = hash32(key, 0xb7e15162);
  let d = 1;
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  return {
    next,
    int: (n) => Math.floor(next() * n),
    fork: (child) => createRandom(seed, label ? `${label}/${child}` : child),
    shuffle<T>(items: T[]): T[] {
      for (let i = items.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [items[i], items[j]] = [items[j]!, items[i]!];
      }
      return items;
    },
  };
}
