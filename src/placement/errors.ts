// Placement reports failures as values with an HTTP status, a title, a webob-style detail and,
// from microversion 1.23, a machine-readable code. Domain code builds them; the API renders them.

export const ErrorCode = {
  undefined: 'placement.undefined_code',
  inventoryInUse: 'placement.inventory.inuse',
  concurrentUpdate: 'placement.concurrent_update',
  duplicateName: 'placement.duplicate_name',
  providerInUse: 'placement.resource_provider.inuse',
  cannotDeleteParent: 'placement.resource_provider.cannot_delete_parent',
  providerNotFound: 'placement.resource_provider.not_found',
  queryDuplicateKey: 'placement.query.duplicate_key',
  queryBadValue: 'placement.query.bad_value',
  queryMissingValue: 'placement.query.missing_value',
} as const;
export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  403: 'Forbidden',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Request Entity Too Large',
  414: 'Request-URI Too Long',
  415: 'Unsupported Media Type',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
};

// webob prefixes every error detail with the status's explanation; tests match substrings of
// the whole text, so the prefix is part of the contract.
const EXPLANATIONS: Record<number, string> = {
  400: 'The server could not comply with the request since it is either malformed or otherwise incorrect.',
  403: 'Access was denied to this resource.',
  404: 'The resource could not be found.',
  405: 'The method is not allowed for this resource.',
  406: 'The resource could not be generated that was acceptable to your browser (content of type %s.',
  409: 'There was a conflict when trying to complete your request.',
  413: 'The body of your request was too large for this server.',
  414: 'The request URI was too long for this server.',
  415: 'The request media type is not supported by this server.',
  500: 'The server has either erred or is incapable of performing the requested operation.',
};

export function statusTitle(status: number): string {
  return TITLES[status] ?? 'Error';
}

export class PlacementError extends Error {
  readonly status: number;
  readonly code: ErrorCodeValue;
  readonly title: string;
  readonly detail: string;
  /** Extra members of the error object (406 carries min_version/max_version). */
  readonly extra: Record<string, unknown>;
  /** Response headers the error needs (405 carries `allow`). */
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    message: string,
    code: ErrorCodeValue = ErrorCode.undefined,
    opts: { extra?: Record<string, unknown>; headers?: Record<string, string>; rawDetail?: boolean } = {},
  ) {
    super(message);
    this.status = status;
    this.code = code;
    this.title = statusTitle(status);
    const explanation = EXPLANATIONS[status];
    this.detail = opts.rawDetail || !explanation ? message : `${explanation}\n\n ${message}  `;
    this.extra = opts.extra ?? {};
    this.headers = opts.headers ?? {};
  }
}

export const badRequest = (msg: string, code: ErrorCodeValue = ErrorCode.undefined) =>
  new PlacementError(400, msg, code);
export const notFound = (msg: string) => new PlacementError(404, msg);
export const conflict = (msg: string, code: ErrorCodeValue = ErrorCode.undefined) => new PlacementError(409, msg, code);
