import { createRandom } from '../../core/index.ts';

/**
 * The data order of each epoch: a shuffle of 0..count-1 seeded by
 * (seed, `<stage>/epoch-<e>`), so a resumed stage sees the same order.
 */
export function createOrder(count: number, seed: number, stage: string): (epoch: number) => number[] {
  const orders = new Map<number, number[]>();
  return (epoch) => {
    let order = orders.get(epoch);
    if (!order) orders.set(epoch, (order = createRandom(seed, `${stage}/epoch-${epoch}`).shuffle(Array.from({ length: count }, (_, i) => i))));
    return order;
  };
}
