import { describe, expect, it } from 'vitest';
import { fixedClock } from '../core/clock.js';
import { nullLogger } from '../util/logger.js';
import { valuesHash } from './mirror-store.js';
import { openSqliteLedger } from './sqlite.js';

describe('mirror store (migration 0005)', () => {
  it('keeps one link per case and mirror, with the values last synced; state per mirror', async () => {
    const clock = fixedClock('2026-11-30T10:00:00.000Z');
    const { store, db, migrations } = await openSqliteLedger(':memory:', { clock, log: nullLogger });
    expect(migrations.map((m) => m.name)).toContain('0005-mirrors');
    const link = { caseKey: 'CVE-2024-6119', pageId: 'p-1', url: 'https://app.notion.com/p/1', values: { status: 'New', title: 'CVE-2024-6119' }, bodyHash: 'b1', goneAt: null };
    await store.transaction(async (tx) => {
      await tx.mirror('notion').saveLink(link);
      await tx.mirror('notion').saveLink({ ...link, values: { title: 'CVE-2024-6119', status: 'Fixed' } });
      await tx.mirror('other').saveLink({ ...link, pageId: 'p-2', url: 'https://app.notion.com/p/2', values: null });
      await tx.mirror('notion').set('watermark', '2026-11-30T09:58:00.000Z');
    });
    const links = await store.transaction((tx) => tx.mirror('notion').links());
    expect([...links.values()]).toEqual([{ ...link, values: { status: 'Fixed', title: 'CVE-2024-6119' } }]);
    expect(await store.transaction((tx) => tx.mirror('other').link('CVE-2024-6119'))).toMatchObject({ pageId: 'p-2', values: null });
    expect(await store.transaction((tx) => tx.mirror('notion').get('watermark'))).toBe('2026-11-30T09:58:00.000Z');
    expect(await store.transaction((tx) => tx.mirror('other').get('watermark'))).toBeNull();
    const row = await db.selectFrom('mirror_pages').select(['values_hash', 'created_at']).where('mirror', '=', 'notion').executeTakeFirstOrThrow();
    expect(row.values_hash).toBe(valuesHash({ title: 'CVE-2024-6119', status: 'Fixed' }));
    expect(valuesHash({ a: '1', b: '2' } as never)).toBe(valuesHash({ b: '2', a: '1' } as never));
    const urls = (mirror: string) => store.transaction((tx) => tx.mirror(mirror).pageUrls(['CVE-2024-6119', 'CVE-0000-0002']));
    expect(await urls('notion')).toEqual(new Map([['CVE-2024-6119', 'https://app.notion.com/p/1']]));
    expect(await urls('other')).toEqual(new Map([['CVE-2024-6119', 'https://app.notion.com/p/2']]));
    await store.transaction((tx) => tx.mirror('notion').saveLink({ ...link, goneAt: '2026-11-30T10:00:00.000Z' }));
    expect(await urls('notion')).toEqual(new Map());
    await expect(store.transaction((tx) => tx.mirror('notion').saveLink({ ...link, caseKey: 'CVE-0000-0001' }))).rejects.toThrow(/UNIQUE/);
    await store.close();
  });
});
