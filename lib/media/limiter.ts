/** Run at most `slots` async tasks at a time; the others wait in order. */
export function createLimiter(slots: number): <T>(task: () => Promise<T>) => Promise<T> {
  if (!(Number.isInteger(slots) && slots >= 1)) throw new Error(`createLimiter: slots must be a positive integer (got ${slots})`);
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running >= slots) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}
