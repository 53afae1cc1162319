/** Fake Notion API server for tests (see readme.md). */
export { startFakeNotion, NOTION_VERSION, BOT_USER_ID, PERSON_USER_ID, PERSON_NAME } from './server.js';
export type { FakeNotion, FakeNotionOptions, FakeFault, RecordedRequest, FakeNotionStats } from './server.js';
export { NotionFakeError } from './errors.js';
export type { NotionErrorCode, NotionErrorBody } from './errors.js';
export { NOTION_LIMITS } from './validate.js';
export type { FakeClock, PropertyType, OptionColor } from './types.js';
