/**
 * Learning-rate schedules. `cosineWithWarmup` matches Hugging Face's
 * `get_cosine_schedule_with_warmup` (what TRL's `lr_scheduler_type: cosine`
 * runs): a linear ramp from 0 over ceil(warmupRatio * total) steps, then a
 * half cosine to 0. `step` is the 0-based index of the optimizer step.
 */
export function cosineWithWarmup(base: number, totalSteps: number, warmupRatio: number): (step: number) => number {
  const warmup = Math.ceil(totalSteps * warmupRatio);
  return (step) => {
    if (step < warmup) return (base * step) / Math.max(1, warmup);
    const progress = (step - warmup) / Math.max(1, totalSteps - warmup);
    return base * Math.max(0, 0.5 * (1 + Math.cos(Math.PI * progress)));
  };
}
