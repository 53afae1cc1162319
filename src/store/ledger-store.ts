/**
 * The ledger store over Kysely. Dialect-neutral: every statement goes through Kysely's query
 * builder, so a PostgreSQL dialect can be added without touching callers (see sqlite.ts for the
 * SQLite wiring).
 */
import { sql, type ControlledTransaction, type Kysely } from 'kysely';
import type { CaseAggregate, CaseRecord, LedgerEvent } from '../core/case.js';
import type { Finding, FindingLifecycle, StoredFinding } from '../core/finding.js';
import type { Clock } from '../core/clock.js';
import type { CaseKind } from '../core/identity.js';
import type { OpenFindingRef } from '../core/lifecycle.js';
import type {
  CachedValue,
  CaseFilter,
  HistoryEntry,
  LedgerReader,
  LedgerStore,
  LedgerTx,
  OutboxEntry,
  RunRecord,
  RunSourceRecord,
  SourceStateStore,
} from '../core/ports.js';
import { SEVERITY_THRESHOLDS, severityRank, type Severity } from '../core/severity.js';
import { isOverdue } from '../core/sla.js';
import type { Evidence } from '../core/triage.js';
import { bulkInsert, InsertCache, insertTuples, updateTuples, type BulkTarget, type StatementRunner } from './bulk-insert.js';
import { makeAdvisoryReader, makeAdvisoryWriter } from './advisory-store.js';
import { chunks, IN_CHUNK } from './chunks.js';
import type { Database, FindingTextsTable } from './database.js';
import { attachEnrichment, makeEnrichmentWriter } from './enrichment-store.js';
import { findingTextId } from './finding-texts.js';
import { InsertedCases, type TalliedCase } from './inserted-cases.js';
import { createOutboxStore } from './outbox-store.js';
import { createMirrorStateTx } from './mirror-store.js';
import {
  caseToRows,
  FINDING_COLUMNS,
  findingText,
  findingTextRow,
  FINDING_KEY_COLUMNS,
  FINDING_SET_COLUMNS,
  findingTuple,
  rowsToCase,
  rowToEvidence,
  rowToFinding,
  rowToHistory,
  rowToRunSource,
  runSourceToRow,
} from './rows.js';

/** Rows per multi-row INSERT (dialects without a StatementRunner): ≤ 40 columns × 400 rows stays under SQLite's 32,766 bound parameters. */
const INSERT_CHUNK = 400;
/**
 * Rewritten findings per run whose previous text is compared with the new one (see `textReplaced`).
 * Comparing cost ~7 µs a finding (0.7 s for 100k), the clean-up scan 0.1–0.2 s for a ledger of
 * 100k findings (more for larger ledgers): past ~20k rewrites the scan is the cheaper of the two.
 */
const COMPARE_TEXTS_UP_TO = 20_000;

/** Distinct texts of one vulnerability remembered in a run (see `textIdOf`). */
const TEXTS_PER_VULNERABILITY = 16;

/** Below this many touched cases, aggregation always looks them up by index (a scan would cost more). */
const SCAN_CASES_FROM = 2_000;

/** Thresholds and query paths of the store that tests set (production uses the defaults). */
export interface StoreTuning {
  /** Rewritten findings per run whose old text is compared one by one (default 20,000). */
  compareTextsUpTo?: number;
  /**
   * How touched cases are aggregated: by index look-ups or one scan of the findings, and nothing
   * from memory (default: cases only this run's inserts make up from memory, see `InsertedCases`;
   * the rest by their number, see `aggregateByScan`).
   */
  aggregateCasesBy?: 'lookup' | 'scan';
  /** Told how each `aggregateCases` call counted its cases (tests check which path ran). */
  onAggregated?: (paths: { fromInserts: number; fromFindings: number; scan: boolean }) => void;
}
/** Findings rows are wide (34 columns): multi-row inserts of them were fastest in chunks of about 50 rows. */
const FINDINGS_CHUNK = 50;

function makeReader(db: Kysely<Database>): LedgerReader {
  async function evidenceFor(keys: readonly string[]): Promise<Map<string, Evidence[]>> {
    const byCase = new Map<string, Evidence[]>();
    for (const part of chunks(keys, IN_CHUNK)) {
      const rows = await db.selectFrom('evidence').selectAll().where('case_key', 'in', part).orderBy('id').execute();
      for (const row of rows) {
        const list = byCase.get(row.case_key) ?? [];
        list.push(rowToEvidence(row));
        byCase.set(row.case_key, list);
      }
    }
    return byCase;
  }

  async function loadCases(keys: readonly string[]): Promise<Map<string, CaseRecord>> {
    const out = new Map<string, CaseRecord>();
    if (keys.length === 0) return out;
    const evidence = await evidenceFor(keys);
    for (const part of chunks(keys, IN_CHUNK)) {
      const rows = await db
        .selectFrom('cases')
        .innerJoin('triage', 'triage.case_key', 'cases.key')
        .selectAll('cases')
        .select([
          'triage.status',
          'triage.response_required',
          'triage.owner',
          'triage.due_date',
          'triage.due_date_source',
          'triage.responded_at',
          'triage.justification',
          'triage.accepted_until',
          'triage.updated_at as triage_updated_at',
        ])
        .where('cases.key', 'in', part)
        .execute();
      for (const row of rows) {
        out.set(
          row.key,
          rowsToCase(
            row,
            {
              case_key: row.key,
              status: row.status,
              response_required: row.response_required,
              owner: row.owner,
              due_date: row.due_date,
              due_date_source: row.due_date_source,
              responded_at: row.responded_at,
              justification: row.justification,
              accepted_until: row.accepted_until,
              updated_at: row.triage_updated_at,
            },
            evidence.get(row.key) ?? [],
          ),
        );
      }
    }
    await attachEnrichment(db, out);
    return out;
  }

  return {
    ...makeAdvisoryReader(db),
    async getCase(key) {
      return (await loadCases([key])).get(key);
    },
    getCases: loadCases,
    async listCases(filter: CaseFilter) {
      let query = db.selectFrom('cases').innerJoin('triage', 'triage.case_key', 'cases.key').select('cases.key');
      if (filter.keys) query = query.where('cases.key', 'in', filter.keys.length > 0 ? filter.keys : ['\u0000']);
      const severities = new Set<Severity>(filter.severity ?? []);
      if (filter.minSeverity) {
        const min = severityRank(filter.minSeverity);
        for (const s of SEVERITY_THRESHOLDS) if (severityRank(s) >= min) severities.add(s);
      }
      if (severities.size > 0) query = query.where('cases.severity', 'in', [...severities]);
      if (filter.state?.length) query = query.where('cases.state', 'in', filter.state);
      if (filter.status?.length) query = query.where('triage.status', 'in', filter.status);
      if (filter.kind?.length) query = query.where('cases.kind', 'in', filter.kind);
      if (filter.kev) query = query.where('cases.key', 'in', (eb) => eb.selectFrom('case_enrichment').select('case_key').where('kev_json', 'is not', null));
      const epssMin = filter.epssMin === undefined ? null : filter.epssMin - 1e-9;
      if (epssMin !== null) query = query.where('cases.key', 'in', (eb) => eb.selectFrom('case_enrichment').select('case_key').where('epss_score', '>=', epssMin));
      if (filter.overdueOn) {
        query = query.where('cases.state', '!=', 'resolved').where('triage.due_date', '<', filter.overdueOn);
      }
      const keys = (await query.execute()).map((r) => r.key);
      const cases = [...(await loadCases(keys)).values()];
      const today = filter.overdueOn;
      return today ? cases.filter((c) => isOverdue(c.triage, c.state !== 'resolved', today)) : cases;
    },
    async searchCaseKeys(term) {
      const upper = term.trim().toUpperCase();
      const rows = await db
        .selectFrom('cases')
        .select('key')
        .where((eb) =>
          eb.or([
            eb(eb.fn('upper', ['key']), '=', upper),
            eb(eb.fn('upper', ['vuln_id']), '=', upper),
            eb(eb.fn('upper', ['key']), 'like', `%:${upper.replace(/[%_]/g, '')}`),
          ]),
        )
        .orderBy('key')
        .execute();
      return rows.map((r) => r.key);
    },
    async findingsOfCase(key) {
      const rows = await selectFindings(db).where('findings.case_key', '=', key).orderBy('findings.asset_key').orderBy('findings.source').execute();
      return rows.map(rowToFinding);
    },
    async relatedCases(key) {
      const own = await db.selectFrom('cases').select('vuln_id').where('key', '=', key).executeTakeFirst();
      if (!own) return [];
      const rows = await db.selectFrom('cases').select('key').where('vuln_id', '=', own.vuln_id).where('key', '!=', key).orderBy('key').execute();
      return rows.map((r) => r.key);
    },
    async history(key) {
      const rows = await db.selectFrom('history').selectAll().where('case_key', '=', key).orderBy('id').execute();
      return rows.map(rowToHistory);
    },
    async lastRuns(limit) {
      const runs = await db.selectFrom('runs').selectAll().orderBy('started_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
      const out: Array<RunRecord & { sources: RunSourceRecord[] }> = [];
      for (const run of runs) {
        const sources = await db.selectFrom('run_sources').selectAll().where('run_id', '=', run.id).orderBy('source').execute();
        out.push({
          id: run.id,
          startedAt: run.started_at,
          finishedAt: run.finished_at,
          status: run.status as RunRecord['status'],
          error: run.error,
          sources: sources.map(rowToRunSource),
        });
      }
      return out;
    },
    async lastCompleteRunAt() {
      const rows = await db
        .selectFrom('run_sources')
        .innerJoin('runs', 'runs.id', 'run_sources.run_id')
        .select(['run_sources.source', (eb) => eb.fn.max('runs.started_at').as('at')])
        .where('run_sources.status', '=', 'ok')
        .groupBy('run_sources.source')
        .execute();
      return new Map(rows.filter((r) => r.at !== null).map((r) => [r.source, String(r.at)]));
    },
    async openSourcesByCase(keys) {
      const out = new Map<string, string[]>();
      for (const part of chunks(keys, IN_CHUNK)) {
        const rows = await db
          .selectFrom('findings')
          .select(['case_key', 'source'])
          .distinct()
          .where('state', '=', 'open')
          .where('case_key', 'in', part)
          .execute();
        for (const row of rows) out.set(row.case_key, [...(out.get(row.case_key) ?? []), row.source]);
      }
      return out;
    },
    async countOpenCases() {
      const counts: Record<Severity, number> = { Critical: 0, High: 0, Medium: 0, Low: 0, Unknown: 0 };
      const rows = await db
        .selectFrom('cases')
        .select(['severity', (eb) => eb.fn.countAll<number>().as('n')])
        .where('state', '!=', 'resolved')
        .where('kind', '!=', 'advisory')
        .groupBy('severity')
        .execute();
      for (const row of rows) counts[row.severity as Severity] = Number(row.n);
      return counts;
    },
  };
}

const TEXT_COLUMNS = ['id', 'title', 'description', 'impact', 'remediation', 'references_json', 'published_at'] as const;

/** The fields of a finding that `findingText` stores. */
type TextFields = Pick<Finding, 'title' | 'description' | 'impact' | 'remediation' | 'publishedAt' | 'references'>;

/** Whether two findings have the same text. */
function sameText(a: TextFields, b: TextFields): boolean {
  return (
    a.title === b.title &&
    a.description === b.description &&
    a.impact === b.impact &&
    a.remediation === b.remediation &&
    a.publishedAt === b.publishedAt &&
    a.references.length === b.references.length &&
    a.references.every((r, i) => r === b.references[i])
  );
}

/** Findings joined with their text: every read of whole findings goes through this. */
function selectFindings(db: Kysely<Database>) {
  return db
    .selectFrom('findings')
    .innerJoin('finding_texts', 'finding_texts.id', 'findings.text_id')
    .selectAll('findings')
    .select(['finding_texts.title', 'finding_texts.description', 'finding_texts.impact', 'finding_texts.remediation', 'finding_texts.references_json', 'finding_texts.published_at']);
}

function makeTx(trx: ControlledTransaction<Database>, clock: Clock, inserts: InsertCache, runner: StatementRunner | undefined, tuning: StoreTuning): LedgerTx {
  const compareTextsUpTo = tuning.compareTextsUpTo ?? COMPARE_TEXTS_UP_TO;
  const reader = makeReader(trx);
  const target: BulkTarget = { db: trx, cache: inserts, runner };
  let savepointSeq = 0;
  // Texts written in this transaction (so each is hashed and inserted once), by vulnerability id
  // and then compared field by field: a text is almost always one vulnerability's, and building and
  // hashing the whole text as a map key cost about three times as much. Cleared when a savepoint rolls back.
  const textsWritten = new Map<string, Array<{ text: TextFields; id: string }>>();
  // Whether a rewritten finding moved to another text: then texts nothing uses are deleted as the
  // run finishes. Comparing costs a look-up per rewritten finding; past COMPARE_TEXTS_UP_TO rewrites
  // in a run the clean-up pass (one scan of the findings) is planned instead, as it is cheaper.
  // A source whose savepoint rolls back takes its part of both with it.
  let textReplaced = false;
  let rewritten = 0;
  // Cases made up of findings this transaction inserted, counted as they are written.
  const insertedCases = new InsertedCases();
  /** The text id of a finding; a text not yet written in this transaction is appended to `pending`. */
  const textIdOf = (f: Finding, pending: FindingTextsTable[]): string => {
    const candidates = textsWritten.get(f.vulnId);
    const known = candidates?.find((c) => sameText(c.text, f));
    if (known) return known.id;
    const text = findingText(f);
    const id = findingTextId(text);
    const { title, description, impact, remediation, publishedAt, references } = f;
    const entry = { text: { title, description, impact, remediation, publishedAt, references: [...references] }, id };
    // A vulnerability with many texts (a source that writes the asset into them) is not remembered
    // past a few: its texts are hashed each time, and the insert keeps one row per id anyway.
    if (!candidates) textsWritten.set(f.vulnId, [entry]);
    else if (candidates.length < TEXTS_PER_VULNERABILITY) candidates.push(entry);
    pending.push(findingTextRow(id, text));
    return id;
  };
  /**
   * Whether aggregating `keys` cases is cheaper as one scan of the findings table than as look-ups
   * through the case_key index: a look-up reads each finding from a random place (~3 µs a finding
   * at 100k), the scan every finding in storage order (~1 µs). Measured on the 100k benchmark's
   * first import (every case touched): 0.3 s by look-ups, ~0.15 s by the scan (its query ~0.1 s).
   */
  const aggregateByScan = async (keys: number): Promise<boolean> => {
    if (tuning.aggregateCasesBy) return tuning.aggregateCasesBy === 'scan';
    if (keys < SCAN_CASES_FROM) return false;
    const row = await trx.selectFrom('cases').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return keys * 3 >= Number(row.n);
  };
  /**
   * The asked cases that only this transaction's inserts make up, with their tallied figures: those
   * the tally has, less those with a row in `cases` (which had findings before; see `InsertedCases`).
   */
  const talliedNewCases = async (keys: readonly string[]): Promise<Map<string, TalliedCase>> => {
    const out = new Map<string, TalliedCase>();
    const tally = insertedCases.usable();
    if (!tally) return out;
    for (const key of keys) {
      const c = tally.get(key);
      if (c) out.set(key, c);
    }
    for (const part of chunks([...out.keys()], IN_CHUNK)) {
      for (const row of await trx.selectFrom('cases').select('key').where('key', 'in', part).execute()) out.delete(row.key);
    }
    return out;
  };
  const writeTexts = (texts: readonly FindingTextsTable[]): Promise<void> =>
    insertTuples(target, 'finding_texts', TEXT_COLUMNS, texts.map((t) => TEXT_COLUMNS.map((c) => t[c])), INSERT_CHUNK, { ignoreConflictOn: 'id' });
  return {
    ...reader,
    async savepoint(name, fn) {
      const id = `sp_${name.replace(/[^A-Za-z0-9_]/g, '_')}_${++savepointSeq}`;
      const sp = await trx.savepoint(id).execute();
      const before = { textReplaced, rewritten };
      try {
        const result = await fn();
        await sp.releaseSavepoint(id).execute();
        return result;
      } catch (error) {
        // First: even if the rollback itself fails, nothing counted so far may be answered from memory.
        insertedCases.invalidate();
        await sp.rollbackToSavepoint(id).execute();
        textsWritten.clear();
        ({ textReplaced, rewritten } = before);
        throw error;
      }
    },
    async getFindings(source, fingerprints) {
      const out = new Map<string, StoredFinding>();
      for (const part of chunks(fingerprints, IN_CHUNK)) {
        const rows = await selectFindings(trx).where('findings.source', '=', source).where('findings.fingerprint', 'in', part).execute();
        for (const row of rows) out.set(row.fingerprint, rowToFinding(row));
      }
      return out;
    },
    async getFindingLifecycles(source, fingerprints) {
      const out = new Map<string, FindingLifecycle>();
      for (const part of chunks(fingerprints, IN_CHUNK)) {
        const rows = await trx
          .selectFrom('findings')
          .select(['fingerprint', 'case_key', 'state', 'severity', 'fix_available', 'content_hash', 'first_seen', 'last_seen', 'resolved_at', 'reopened_at'])
          .where('source', '=', source)
          .where('fingerprint', 'in', part)
          .execute();
        for (const r of rows) {
          out.set(r.fingerprint, {
            fingerprint: r.fingerprint,
            caseKey: r.case_key,
            state: r.state as FindingLifecycle['state'],
            severity: r.severity as Severity,
            fixAvailable: r.fix_available === null ? null : r.fix_available === 1,
            contentHash: r.content_hash,
            firstSeen: r.first_seen,
            lastSeen: r.last_seen,
            resolvedAt: r.resolved_at,
            reopenedAt: r.reopened_at,
          });
        }
      }
      return out;
    },
    async insertNewFindings(source, at, items) {
      const tuples: unknown[][] = new Array(items.length);
      const texts: FindingTextsTable[] = [];
      for (let i = 0; i < items.length; i++) {
        const { finding, contentHash } = items[i]!;
        insertedCases.add(finding, at);
        tuples[i] = findingTuple(source, finding, { state: 'open', firstSeen: at, lastSeen: at, resolvedAt: null, reopenedAt: null, contentHash }, textIdOf(finding, texts));
      }
      await writeTexts(texts);
      await insertTuples(target, 'findings', FINDING_COLUMNS, tuples, FINDINGS_CHUNK);
    },
    async updateFindings(source, items) {
      for (const u of items) {
        insertedCases.exclude(u.previousCaseKey);
        insertedCases.exclude(u.finding.caseKey);
      }
      const texts: FindingTextsTable[] = [];
      const textIds = items.map((u) => textIdOf(u.finding, texts));
      await writeTexts(texts);
      rewritten += items.length;
      if (rewritten > compareTextsUpTo) textReplaced = true;
      if (!textReplaced) {
        const newTextOf = new Map(items.map((u, i) => [u.finding.fingerprint, textIds[i]!]));
        for (const part of chunks([...newTextOf.keys()], IN_CHUNK)) {
          const old = await trx.selectFrom('findings').select(['fingerprint', 'text_id']).where('source', '=', source).where('fingerprint', 'in', part).execute();
          textReplaced = old.some((row) => row.text_id !== newTextOf.get(row.fingerprint));
          if (textReplaced) break; // known now: no need to compare the rest
        }
      }
      // findingTuple starts with the key (source, fingerprint): the rest is what is set.
      const tuples = items.map(({ finding, lifecycle }, i) => {
        const tuple = findingTuple(source, finding, lifecycle, textIds[i]!);
        return [...tuple.slice(2), source, finding.fingerprint];
      });
      await updateTuples(target, 'findings', FINDING_SET_COLUMNS, FINDING_KEY_COLUMNS, tuples);
    },
    async hasFindings(source) {
      const row = await trx.selectFrom('findings').select('fingerprint').where('source', '=', source).limit(1).executeTakeFirst();
      return row !== undefined;
    },
    async countOpenFindings(source) {
      const row = await trx
        .selectFrom('findings')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('source', '=', source)
        .where('state', '=', 'open')
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async *openFindingRefs(source): AsyncIterable<OpenFindingRef> {
      const rows = trx
        .selectFrom('findings')
        .select(['fingerprint', 'kind', 'subscription_id'])
        .where('source', '=', source)
        .where('state', '=', 'open')
        .stream(1000);
      for await (const row of rows) {
        yield { fingerprint: row.fingerprint, kind: row.kind as OpenFindingRef['kind'], subscriptionId: row.subscription_id };
      }
    },
    async resolveFindings(source, fingerprints, at, lastSeen) {
      const caseKeys = new Set<string>();
      for (const part of chunks(fingerprints, IN_CHUNK)) {
        const rows = await trx
          .selectFrom('findings')
          .select('case_key')
          .distinct()
          .where('source', '=', source)
          .where('fingerprint', 'in', part)
          .execute();
        for (const r of rows) {
          caseKeys.add(r.case_key);
          insertedCases.exclude(r.case_key);
        }
        await trx
          .updateTable('findings')
          .set({ state: 'resolved', resolved_at: at })
          .where('source', '=', source)
          .where('fingerprint', 'in', part)
          .execute();
        if (lastSeen !== null) {
          await trx
            .updateTable('findings')
            .set({ last_seen: lastSeen })
            .where('source', '=', source)
            .where('fingerprint', 'in', part)
            .where('last_seen', '<', lastSeen)
            .execute();
        }
      }
      return [...caseKeys];
    },
    async aggregateCases(keys, knownTitles) {
      const out: CaseAggregate[] = [];
      const rank = (column: 'severity') =>
        sql<number>`case ${sql.ref(column)} when 'Critical' then 4 when 'High' then 3 when 'Medium' then 2 when 'Low' then 1 else 0 end`;
      // Counted by the database: no finding row is materialised in JavaScript.
      const grouped = () =>
        trx.selectFrom('findings').select((eb) => [
          eb.fn.min('case_key').as('case_key'),
          eb.fn.min('kind').as('kind'),
          eb.fn.min('vuln_id').as('vuln_id'),
          eb.fn.countAll<number>().as('total'),
          eb.fn.sum<number>(sql<number>`case when state = 'open' then 1 else 0 end`).as('open'),
          eb.fn.max('cvss').as('cvss'),
          eb.fn.min('first_seen').as('first_seen'),
          eb.fn.max('last_seen').as('last_seen'),
          eb.fn.max(rank('severity')).as('any_rank'),
          eb.fn.max(sql<number>`case when state = 'open' then ${rank('severity')} end`).as('open_rank'),
        ]);
      // One case's figures, counted in SQL or tallied, as the aggregate the caller plans with.
      const add = (key: string, f: TalliedCase & { open: number }): void => {
        out.push({
          key,
          kind: caseKindOf(f.kind),
          vulnId: f.vulnId,
          title: knownTitles?.get(key) ?? '',
          severity: severityOfRank(f.rank),
          cvss: f.cvss,
          openFindings: f.open,
          totalFindings: f.total,
          firstSeen: f.firstSeen,
          lastSeen: f.lastSeen,
        });
      };
      const addRow = (row: Awaited<ReturnType<ReturnType<typeof grouped>['execute']>>[number]): void =>
        add(row.case_key, {
          kind: String(row.kind),
          vulnId: String(row.vuln_id),
          // The most severe open finding; when none is open, the most severe finding.
          rank: Number(row.open_rank ?? row.any_rank),
          cvss: row.cvss === null ? null : Number(row.cvss),
          open: Number(row.open ?? 0),
          total: Number(row.total),
          firstSeen: String(row.first_seen),
          lastSeen: String(row.last_seen),
        });
      // Every tallied finding was inserted, so open.
      const tallied = tuning.aggregateCasesBy ? new Map<string, TalliedCase>() : await talliedNewCases(keys);
      for (const [key, c] of tallied) add(key, { ...c, open: c.total });
      const counted = tallied.size > 0 ? keys.filter((k) => !tallied.has(k)) : keys;
      const scan = counted.length > 0 && (await aggregateByScan(counted.length));
      if (scan) {
        // One pass over the table in storage order, grouped by an expression (`|| ''`) so the planner
        // does not walk the case_key index, which would fetch every row from a random place.
        const wanted = new Set(counted);
        const rows = await grouped().groupBy(sql`${sql.ref('case_key')} || ''`).execute();
        for (const row of rows) if (wanted.has(row.case_key)) addRow(row);
      } else {
        for (const part of chunks(counted, IN_CHUNK)) {
          for (const row of await grouped().where('case_key', 'in', part).groupBy('case_key').execute()) addRow(row);
        }
      }
      tuning.onAggregated?.({ fromInserts: tallied.size, fromFindings: counted.length, scan });
      // Titles the caller does not know: from the most severe open finding (most severe finding when none is open).
      const missing = out.filter((a) => a.title === '');
      const byKey = new Map(missing.map((a) => [a.key, a]));
      const best = new Map<string, number>();
      for (const part of chunks([...byKey.keys()], IN_CHUNK)) {
        const rows = await trx
          .selectFrom('findings')
          .innerJoin('finding_texts', 'finding_texts.id', 'findings.text_id')
          .select(['findings.case_key', 'finding_texts.title', 'findings.severity', 'findings.state'])
          .where('findings.case_key', 'in', part)
          .execute();
        for (const row of rows) {
          const r = severityRank(row.severity as Severity) + (row.state === 'open' ? 10 : 0);
          if (row.title && r > (best.get(row.case_key) ?? -1)) {
            best.set(row.case_key, r);
            byKey.get(row.case_key)!.title = row.title;
          }
        }
      }
      // By key, whichever way they were counted (the caller writes events and history in this order).
      return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    },
    async saveCases(records) {
      const at = clock.now().toISOString();
      const fresh = records.filter((r) => r.isNew).map((r) => caseToRows(r.record, at));
      await bulkInsert(target, 'cases', fresh.map((p) => p.caseRow), INSERT_CHUNK);
      await bulkInsert(target, 'triage', fresh.map((p) => p.triageRow), INSERT_CHUNK);
      for (const { record } of records.filter((r) => !r.isNew)) {
        const { caseRow, triageRow } = caseToRows(record, at);
        const { key: _k, ...caseValues } = caseRow;
        const { case_key: _c, ...triageValues } = triageRow;
        await trx.updateTable('cases').set(caseValues).where('key', '=', record.key).execute();
        // The triage row only when a value of it changed: its updated_at is then the last triage change.
        const columns = Object.keys(triageValues).filter((c) => c !== 'updated_at') as Array<Exclude<keyof typeof triageValues, 'updated_at'>>;
        await trx
          .updateTable('triage')
          .set(triageValues)
          .where('case_key', '=', record.key)
          .where((eb) => eb.or(columns.map((c) => eb(c, 'is not', triageValues[c]))))
          .execute();
      }
    },
    async casesNeedingSlaCheck(dueBy) {
      const rows = await trx
        .selectFrom('cases')
        .innerJoin('triage', 'triage.case_key', 'cases.key')
        .select('cases.key')
        .where('cases.state', '!=', 'resolved')
        .where('cases.sla_notice', '!=', 'breached')
        .where('triage.due_date', 'is not', null)
        .where('triage.due_date', '<=', dueBy)
        .where('triage.responded_at', 'is', null)
        .where('triage.status', 'not in', ['fixed', 'risk_accepted', 'false_positive', 'not_affected'])
        .execute();
      return [...(await reader.getCases(rows.map((r) => r.key))).values()];
    },
    async expiredAcceptances(today) {
      const rows = await trx
        .selectFrom('triage')
        .select('case_key')
        .where('status', '=', 'risk_accepted')
        .where('accepted_until', 'is not', null)
        .where('accepted_until', '<', today)
        .execute();
      return [...(await reader.getCases(rows.map((r) => r.case_key))).values()];
    },
    async addHistory(entries: readonly HistoryEntry[]) {
      const rows = entries.map((e) => ({
        case_key: e.caseKey,
        at: e.at,
        actor: e.actor,
        field: e.field,
        old_value: e.oldValue,
        new_value: e.newValue,
        run_id: e.runId,
      }));
      await bulkInsert(target, 'history', rows, INSERT_CHUNK);
    },
    async addEvidence(items) {
      for (const part of chunks(items, INSERT_CHUNK)) {
        await trx
          .insertInto('evidence')
          .values(part.map(({ caseKey, evidence: e }) => ({ case_key: caseKey, at: e.at, author: e.author, text: e.text, kind: e.kind })))
          .execute();
      }
    },
    async addEvents(runId, events: readonly LedgerEvent[]) {
      const rows = events.map((e) => ({ run_id: runId, type: e.type, case_key: e.caseKey, at: e.at, details_json: JSON.stringify(e.details) }));
      await bulkInsert(target, 'events', rows, INSERT_CHUNK);
    },
    async enqueueOutbox(entries: readonly OutboxEntry[]) {
      for (const part of chunks(entries, INSERT_CHUNK)) {
        await trx
          .insertInto('outbox')
          .values(
            part.map((e) => ({
              id: e.id,
              idempotency_key: e.idempotencyKey,
              channel: e.channel,
              payload_json: JSON.stringify(e.payload),
              status: 'pending',
              attempts: 0,
              next_attempt_at: null,
              last_error: null,
              created_at: e.createdAt,
              delivered_at: null,
              run_id: e.runId,
              depends_on: e.dependsOn ?? null,
              seq: e.seq ?? 0,
            })),
          )
          .onConflict((oc) => oc.column('idempotency_key').doNothing())
          .execute();
      }
    },
    async writeRunSource(record) {
      await trx.insertInto('run_sources').values(runSourceToRow(record)).execute();
    },
    async finishRun(run) {
      // A text whose findings all moved to a new text (Defender reworded a CVE) is kept by nothing.
      // Findings never disappear (resolved ones keep theirs), so only rewrites leave such texts, and
      // only then is it worth one pass over the findings (there is no index on text_id to spare).
      if (textReplaced) {
        await trx.deleteFrom('finding_texts').where('id', 'not in', (eb) => eb.selectFrom('findings').select('text_id')).execute();
      }
      await trx
        .updateTable('runs')
        .set({ finished_at: run.finishedAt, status: run.status, error: run.error })
        .where('id', '=', run.id)
        .execute();
    },
    cache: {
      async get(namespace, keys) {
        const out = new Map<string, CachedValue>();
        for (const part of chunks(keys, IN_CHUNK)) {
          const rows = await trx.selectFrom('cache').selectAll().where('namespace', '=', namespace).where('key', 'in', part).execute();
          for (const row of rows) out.set(row.key, { value: JSON.parse(row.value_json) as unknown, fetchedAt: row.fetched_at });
        }
        return out;
      },
      async all(namespace) {
        const rows = await trx.selectFrom('cache').selectAll().where('namespace', '=', namespace).execute();
        return new Map(rows.map((row) => [row.key, { value: JSON.parse(row.value_json) as unknown, fetchedAt: row.fetched_at }]));
      },
      async put(namespace, entries, fetchedAt) {
        for (const part of chunks(entries, INSERT_CHUNK)) {
          await trx
            .insertInto('cache')
            .values(part.map((e) => ({ namespace, key: e.key, value_json: JSON.stringify(e.value), fetched_at: fetchedAt })))
            .onConflict((oc) => oc.columns(['namespace', 'key']).doUpdateSet((eb) => ({ value_json: eb.ref('excluded.value_json'), fetched_at: eb.ref('excluded.fetched_at') })))
            .execute();
        }
      },
      async clear(namespace) {
        await trx.deleteFrom('cache').where('namespace', '=', namespace).execute();
      },
    },
    advisories: makeAdvisoryWriter(trx),
    enrichment: makeEnrichmentWriter(trx, () => clock.now().toISOString()),
    mirror: (name) => createMirrorStateTx(trx, () => clock.now().toISOString(), name),
    sourceState(source): SourceStateStore {
      return {
        async get(key) {
          const row = await trx.selectFrom('source_state').select('value').where('source', '=', source).where('key', '=', key).executeTakeFirst();
          return row?.value ?? null;
        },
        async set(key, value) {
          await trx
            .insertInto('source_state')
            .values({ source, key, value, updated_at: clock.now().toISOString() })
            .onConflict((oc) => oc.columns(['source', 'key']).doUpdateSet({ value, updated_at: clock.now().toISOString() }))
            .execute();
        },
      };
    },
  };
}

const SEVERITY_BY_RANK: readonly Severity[] = ['Unknown', 'Low', 'Medium', 'High', 'Critical'];

function severityOfRank(rank: number): Severity {
  return SEVERITY_BY_RANK[rank] ?? 'Unknown';
}

function caseKindOf(findingKind: string): CaseKind {
  if (findingKind === 'machine') return 'machine';
  if (findingKind === 'sql') return 'sql';
  if (findingKind === 'advisory') return 'advisory';
  return 'container';
}

/** Wraps a migrated Kysely instance as the ledger store. The caller owns migrations and closing. */
export function createLedgerStore(db: Kysely<Database>, clock: Clock, onClose: () => Promise<void>, runner?: StatementRunner, tuning: StoreTuning = {}): LedgerStore {
  const inserts = new InsertCache();
  return {
    ...makeReader(db),
    outbox: createOutboxStore(db),
    async startRun(run) {
      await db.insertInto('runs').values({ id: run.id, started_at: run.startedAt, finished_at: null, status: run.status, error: run.error }).execute();
    },
    async transaction(fn) {
      const trx = await db.startTransaction().execute();
      try {
        const result = await fn(makeTx(trx, clock, inserts, runner, tuning));
        await trx.commit().execute();
        return result;
      } catch (error) {
        await trx.rollback().execute();
        throw error;
      }
    },
    close: onClose,
  };
}
