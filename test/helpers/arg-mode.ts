import type { Logger } from '../../src/core/ports.js';

/**
 * How source.test.ts maps Resource Graph pages: on the main thread (default), or on the mapping
 * thread when source-threaded.test.ts sets `mapWorkerUrl` and runs the same suite again.
 */
export const argMode: { mapWorkerUrl?: URL; log?: Logger } = {};
