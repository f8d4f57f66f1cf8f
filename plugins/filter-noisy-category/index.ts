/**
 * Noisy category filter (paper B.1: "noisy objects (e.g. wall, floor and
 * ceiling) are filtered"): drops candidates that refer to building structure
 * or catch-all labels. Categories match exactly or by a regular expression.
 */
import { definePlugin, z } from '../../core/index.ts';
import { tapFilter } from '../../lib/tasks/index.ts';

const PLUGIN_NAME = 'filter-noisy-category';

/** ScanNet categories (label map column `category`) that are structure or catch-alls. */
export const NOISY_CATEGORIES = [
  'wall', 'floor', 'ceiling', 'object', 'structure', 'doorframe', 'closet doorframe', 'column', 'pillar', 'wood beam',
  'ledge', 'stair', 'stairs', 'step', 'steps', 'railing', 'rail', 'handrail', 'hand rail', 'stair rail', 'banister', 'bathroom stall',
];
/** Any "... wall", "... floor" or "... ceiling" (shower wall, closet floor). */
export const NOISY_PATTERNS = ['^(.+ )?(wall|floor|ceiling)$'];

export default definePlugin({
  name: PLUGIN_NAME,
  options: z.strictObject({
    categories: z.array(z.string()).default(NOISY_CATEGORIES),
    /** Regular expressions (case-insensitive) matched against the whole category. */
    patterns: z.array(z.string()).default(NOISY_PATTERNS),
  }),
  apply(ladder, { categories, patterns }) {
    const exact = new Set(categories.map((c) => c.toLowerCase()));
    const regexps = patterns.map((p) => new RegExp(p, 'i'));
    const noisy = (category: string) => exact.has(category.toLowerCase()) || regexps.some((r) => r.test(category));
    tapFilter(ladder, PLUGIN_NAME, (candidate) => !candidate.refs.some((ref) => noisy(ref.category)));
  },
});
