import { describe, expect, it } from 'vitest';
import { fingerprint } from './identity.js';
import { findingContentHash } from './lifecycle.js';
import { makeFinding } from './test-helpers.js';

describe('stored identities never change between versions', () => {
  // Ledgers keep these values: a new formula would make every finding of an upgraded ledger look
  // new or changed on the next run. Values pinned from the released formulas.
  it('fingerprint', () => {
    expect(fingerprint('machine', '/subs/x/vm1', 'CVE-2024-1')).toBe('12c564c2bf41671df1837ee843b0b357');
  });

  it('content hash', () => {
    expect(findingContentHash(makeFinding())).toBe('a4ac46412c2f465039a0b5f112ff42d1');
  });
});
