/**
 * reward-server: the configured reward plugins over HTTP, so a trainer in
 * another process or language (TRL, OpenRLHF) is rewarded by exactly the
 * code the embedded trainer uses. A library, not a plugin: `ladder serve
 * rewards` (plugins/serve-rewards) and the TRL engine start it.
 *
 *   const server = await startRewardServer({ rewards: { format, accuracy }, weights: { format: 1, accuracy: 1 } });
 *   // POST `${server.url}/v1/rewards` {"completions": [...], "samples": [...]}
 *   await server.close();
 *
 * The protocol, limits and errors: README.md.
 */
export {
  startRewardServer,
  isLoopback,
  ENDPOINTS,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_TIMEOUT_MS,
  type RewardServer,
  type RewardServerOptions,
} from './server.ts';
export { sampleSchema, END_TOKENS } from './protocol.ts';
