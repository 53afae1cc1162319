/**
 * The whole azure-resource-graph source suite (source.test.ts) again, with every page parsed and
 * mapped on the mapping thread (map-worker.ts, bundled from the sources) instead of the main thread:
 * same ledger, same errors, same coverage.
 */
import { beforeAll, expect, it } from 'vitest';
import { argMode } from '../../../test/helpers/arg-mode.js';
import { bundleWorker } from '../../../test/helpers/bundle-worker.js';
import './source.test.js';

beforeAll(async () => {
  argMode.mapWorkerUrl = await bundleWorker('src/sources/azure-resource-graph/map-worker.ts');
}, 60_000);

it('runs with the mapping thread', () => {
  expect(argMode.mapWorkerUrl?.href).toMatch(/worker\.mjs$/);
});
