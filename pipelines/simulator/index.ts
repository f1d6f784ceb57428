/**
 * The local simulator of the marketing activity API (`shared/contracts/marketing-api.openapi.yaml`).
 *
 * - `startSimulator(options)` serves GET /v1/events and GET /v1/users on 127.0.0.1 (port 0 allowed) over a
 *   generated dataset: deterministic by seed, lazy (hour buckets of received_at, bounded caches), ~1M events.
 * - It serves only what was received before `clock.now()`; tests move the clock to make data arrive, age
 *   cursors (valid 2 h) and reach the 90-day retention (400 out_of_retention).
 * - Data faults (duplicates, late visits, unknown fields) are part of the dataset; transport faults (429 with
 *   Retry-After, 5xx, resets, latency) are drawn per request from a seeded stream.
 * - `handle.dataset` is the ground truth: `deliveries`, `distinctEvents`, `currentUsers`, `latestUsers`.
 */
export { startSimulator } from './server.js';
export type { SimulatorFaults, SimulatorHandle, SimulatorOptions, SimulatorStats } from './server.js';
export { Dataset, createDataset } from './dataset.js';
export type { DatasetOptions, DatasetSummary, Delivery, Position } from './dataset.js';
export { SimulatorClock } from './clock.js';
export type { TransportFaults } from './faults.js';
export type { Channel, EventContext, MarketingEvent, MarketingUser, UserTraits } from './types.js';
