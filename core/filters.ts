/**
 * Filtering one scene's candidates: the `filters` waterfall, called as it is
 * declared. Every filter tap passes through a wrapper (installed by the
 * Ladder when the tap registers, whatever its kind: tap, tapAsync,
 * tapPromise) that checks what it returned and adds what it dropped to the
 * call's tally, so the build reports drops per filter without replaying
 * the taps by hand.
 *
 *   const { kept, drops } = await runFilters(ladder, candidates, { scene, seed });
 *   // drops: { 'filter-visibility': 120, 'filter-caps': 14, ... } (tap names, in tap order)
 */
import { LadderError } from './errors.ts';
import type { LadderHooks } from './hooks.ts';
import type { Candidate, FilterContext } from './types.ts';

/** Per call of the waterfall: its context object -> candidates dropped per tap. */
const tallies = new WeakMap<FilterContext, Record<string, number>>();

type Tap = { name: string; type: 'sync' | 'async' | 'promise'; fn: (...args: unknown[]) => unknown };
type Callback = (error?: unknown, result?: unknown) => void;

/** Check a tap's result (undefined passes its input on, as in tapable) and tally what it dropped. */
function tally(tap: Tap, input: Candidate[], ctx: FilterContext, out: unknown): unknown {
  const result = out === undefined ? input : out;
  if (!Array.isArray(result)) throw new LadderError(`filter "${tap.name}" returned ${typeof result}, not an array of candidates`);
  const drops = tallies.get(ctx);
  if (drops) drops[tap.name] = (drops[tap.name] ?? 0) + input.length - result.length;
  return out;
}

/** Wrap every tap of the `filters` hook (the Ladder calls this once, before plugins apply). */
export function countFilterDrops(hook: LadderHooks['filters']): void {
  hook.intercept({
    register: (registered) => {
      const tap = registered as unknown as Tap;
      const fn = tap.fn;
      if (tap.type === 'async')
        tap.fn = (input, ctx, callback) =>
          fn(input, ctx, (error: unknown, out: unknown) => {
            if (error) return (callback as Callback)(error);
            let checked: unknown;
            try {
              checked = tally(tap, input as Candidate[], ctx as FilterContext, out);
            } catch (failure) {
              return (callback as Callback)(failure);
            }
            (callback as Callback)(undefined, checked);
          });
      else if (tap.type === 'promise')
        tap.fn = (input, ctx) => Promise.resolve(fn(input, ctx)).then((out) => tally(tap, input as Candidate[], ctx as FilterContext, out));
      else tap.fn = (input, ctx) => tally(tap, input as Candidate[], ctx as FilterContext, fn(input, ctx));
      return registered;
    },
  });
}

/** Run one scene's candidates through the `filters` waterfall; returns the survivors and the drops per tap. */
export async function runFilters(
  ladder: { hooks: Pick<LadderHooks, 'filters'> },
  candidates: Candidate[],
  ctx: FilterContext,
): Promise<{ kept: Candidate[]; drops: Record<string, number> }> {
  const call = { ...ctx };
  const drops: Record<string, number> = {};
  tallies.set(call, drops);
  const kept = await ladder.hooks.filters.promise(candidates, call);
  return { kept, drops };
}
