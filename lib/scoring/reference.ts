import type { PolicyInput, PolicyReference } from '../../core/index.ts';

/** The reference of an input, for reference policies (oracle, chance) and teachers; throws when the caller passed none. */
export function referenceOf(input: PolicyInput, policy: string): PolicyReference {
  if (!input.reference)
    throw new Error(`policy "${policy}" needs PolicyInput.reference (what the evaluator knows about the row); this caller passed none`);
  return input.reference;
}
