/**
 * The whole azure-resource-graph source suite (source.test.ts) again, with every page parsed and
 * mapped on the mapping thread (map-worker.ts, bundled from the sources) instead of the main thread:
 * same ledger, same errors, same coverage.
 */
import { afterAll, beforeAll, expect } from 'vitest';
import { memoryLogger } from '../../util/logger.js';
import { argMode } from '../../../test/helpers/arg-mode.js';
import { bundleWorker } from '../../../test/helpers/bundle-worker.js';
import './source.test.js';

const log = memoryLogger('debug');

beforeAll(async () => {
  argMode.mapWorkerUrl = await bundleWorker('src/sources/azure-resource-graph/map-worker.ts');
  argMode.log = log;
}, 60_000);

// Every source run of the suite said how its pages were mapped: all of them on the thread.
afterAll(() => {
  const mapped = log.lines.filter((line) => line.includes('pages mapped')).map((line) => /onThread=(\d+) inThread=(\d+)/.exec(line)!);
  expect(mapped.length).toBeGreaterThan(10);
  const onThread = mapped.reduce((n, m) => n + Number(m[1]), 0);
  const inThread = mapped.reduce((n, m) => n + Number(m[2]), 0);
  expect({ onThreadAtLeast: onThread > 50, inThread }).toEqual({ onThreadAtLeast: true, inThread: 0 });
});
