/**
 * Notion error shapes for the fake: `{object:'error', status, code, message, request_id, additional_data?}`.
 * Codes and default messages: ../../../../shared/reference/notion-slack-teams.md §1.3.
 */

/** Error codes the fake answers with (the SDK's enum plus the ones it turns into UnknownHTTPResponseError). */
export type NotionErrorCode =
  | 'unauthorized'
  | 'restricted_resource'
  | 'object_not_found'
  | 'rate_limited'
  | 'invalid_json'
  | 'invalid_request_url'
  | 'invalid_request'
  | 'validation_error'
  | 'missing_version'
  | 'conflict_error'
  | 'internal_server_error'
  | 'service_unavailable'
  | 'database_connection_unavailable'
  | 'gateway_timeout'
  | 'service_overload'
  | (string & {});

/** Thrown inside the fake's handlers; the server turns it into the wire error. */
export class NotionFakeError extends Error {
  constructor(
    readonly status: number,
    readonly code: NotionErrorCode,
    message: string,
    readonly additionalData?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'NotionFakeError';
  }
}

/** 400 `validation_error` with the given message. */
export function validation(message: string): NotionFakeError {
  return new NotionFakeError(400, 'validation_error', message);
}

/** 404 `object_not_found` worded like Notion. */
export function notFound(kind: string, id: string): NotionFakeError {
  return new NotionFakeError(
    404,
    'object_not_found',
    `Could not find ${kind} with ID: ${id}. Make sure the relevant pages and databases are shared with your integration.`,
  );
}

/** Default code for a status when a test injects a fault without naming one. */
export function defaultCode(status: number): NotionErrorCode {
  switch (status) {
    case 400: return 'validation_error';
    case 401: return 'unauthorized';
    case 403: return 'restricted_resource';
    case 404: return 'object_not_found';
    case 409: return 'conflict_error';
    case 413: return 'validation_error';
    case 429: return 'rate_limited';
    case 503: return 'service_unavailable';
    case 504: return 'gateway_timeout';
    case 529: return 'service_overload';
    default: return 'internal_server_error';
  }
}

/** Default message per code (the wording reported for the real API where known). */
export function defaultMessage(code: NotionErrorCode): string {
  switch (code) {
    case 'rate_limited': return 'You have been rate limited. Please try again in a few minutes.';
    case 'conflict_error': return 'Conflict occurred while saving. Please try again.';
    case 'unauthorized': return 'API token is invalid.';
    case 'restricted_resource': return 'Insufficient permissions for this endpoint.';
    case 'object_not_found': return 'Could not find object. Make sure the relevant pages and databases are shared with your integration.';
    case 'service_unavailable': return 'Notion is unavailable, please try again later.';
    case 'gateway_timeout': return 'Notion timed out while processing the request.';
    case 'service_overload': return 'Notion is overloaded, please try again later.';
    case 'internal_server_error': return 'Unexpected error occurred.';
    default: return 'Request failed.';
  }
}

/** JSON shape of a Notion error body. */
export interface NotionErrorBody {
  object: 'error';
  status: number;
  code: string;
  message: string;
  request_id: string;
  additional_data?: Record<string, unknown>;
}

export function errorBody(err: NotionFakeError, requestId: string): NotionErrorBody {
  const body: NotionErrorBody = { object: 'error', status: err.status, code: err.code, message: err.message, request_id: requestId };
  if (err.additionalData) body.additional_data = err.additionalData;
  return body;
}
