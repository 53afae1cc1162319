/**
 * SQL vulnerability assessment assets, shared by both models: the database id (Azure SQL, SQL on
 * machines, legacy OnPremiseSql), the server, and the database name.
 */
import { MACHINE_RE, armPrefix, armTypeOfLower, lastSegment, resourceIdOfRow, resourceRef, trimSlash, type Asset } from './common.js';
import { asText, pick, type DefenderRow } from './schema.js';

const ON_MACHINE_RE = /\/securityentitydata\/sqlservers:([^:/]+):databases:([^/]+)/i;
const DATABASE_RE = /\/servers\/([^/]+)\/databases\/([^/]+)$/i;

/**
 * The database id of a SQL VA row. A legacy `resourceDetails.source = OnPremiseSql` row is rebuilt
 * as `<machine>/servers/<serverName>/databases/<databaseName>`; an on-machine id
 * `<machine>/securityentitydata/sqlservers:<instance>:databases:<db>` is rewritten the same way
 * (as Microsoft's workbook does). Anything else is returned as given (trimmed).
 */
export function sqlDatabaseId(rowId: string, resourceDetails: unknown, id: string): string {
  if (asText(pick(resourceDetails, 'source')).toLowerCase() === 'onpremisesql') {
    const server = asText(pick(resourceDetails, 'serverName'));
    const database = asText(pick(resourceDetails, 'databaseName'));
    const machine = armPrefix(rowId, MACHINE_RE)?.id || resourceIdOfRow(rowId);
    if (server !== '' && database !== '' && machine !== '') return `${machine}/servers/${server}/databases/${database}`;
  }
  const m = ON_MACHINE_RE.exec(id);
  if (m === null) return trimSlash(id);
  return `${id.slice(0, m.index)}/servers/${m[1] ?? ''}/databases/${m[2] ?? ''}`;
}

/** What else a row says about the database's server. */
export interface SqlHints {
  /** `additionalData.ParentResource`: the SQL server or the machine id. */
  parentResource: string;
  /** `additionalData.SqlServerInstance` (on machines). */
  instance: string;
  /** `resourceDetails.ResourceName` (the database name). */
  resourceName: string;
  /** `resourceDetails.ResourceType`. */
  resourceType: string;
}

/**
 * The asset of a SQL finding: the database id (lower-cased) is the asset key; `server` is the
 * Azure SQL server name, or `<machineName>/<instance>` for SQL on a machine; `database` the name.
 */
export function sqlAsset(row: DefenderRow, databaseId: string, hints: SqlHints): Asset | string {
  if (databaseId === '') return 'resourceDetails.Id missing';
  const m = DATABASE_RE.exec(databaseId);
  const database = m?.[2] || hints.resourceName;
  if (database === '') return 'database name missing (resourceDetails.Id)';
  const serverSegment = m?.[1] || '';
  const machine = armPrefix(databaseId, MACHINE_RE) ?? armPrefix(hints.parentResource, MACHINE_RE);
  let server: string;
  if (machine !== null) {
    const instance = hints.instance || serverSegment;
    server = instance === '' ? machine.name : `${machine.name}/${instance}`;
  } else {
    server = serverSegment || lastSegment(hints.parentResource);
  }
  if (server === '') return 'server name missing (resourceDetails.Id, additionalData.ParentResource)';
  const lowerId = databaseId.toLowerCase();
  return {
    kind: 'sql',
    assetKey: lowerId,
    resource: resourceRef(row, databaseId, database, hints.resourceType.toLowerCase() || armTypeOfLower(lowerId), lowerId),
    repository: null,
    digests: [],
    tags: [],
    database,
    server,
  };
}
