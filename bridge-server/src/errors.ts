/** The bridge's one error type and the mapping of every other error (runtime, fastify, unknown) onto stable codes. */
import { ERROR_STATUS, isErrorCode, type ErrorCode } from './protocol/index.ts';

/** An error with a stable protocol code; its message is shown to the client as is. `retryAfter`: seconds to wait before retrying (`rate_limited`). */
export class BridgeError extends Error {
  override name = 'BridgeError';
  constructor(readonly code: ErrorCode, message: string, readonly retryAfter?: number) {
    super(message);
  }

  /** The HTTP status REST answers this error with. */
  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

const FASTIFY_CODES: Readonly<Record<string, ErrorCode>> = Object.freeze({
  FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'bad_request',
  FST_ERR_CTP_INVALID_JSON_BODY: 'bad_request',
  FST_ERR_VALIDATION: 'bad_request',
});

const PUBLIC_MESSAGES: Partial<Record<ErrorCode, string>> = {
  body_too_large: 'the request body is larger than the server accepts',
  unsupported_media_type: 'send the image as the raw body with Content-Type image/png, image/jpeg, image/webp or application/octet-stream',
};

interface ValidationProblem {
  instancePath?: string;
  message?: string;
  params?: { additionalProperty?: string };
}

function validationError(problem: ValidationProblem, context: string | undefined): BridgeError {
  const field = problem.instancePath?.replace(/^\//, '') ?? '';
  const what = context === 'querystring' ? 'query parameter' : context === 'body' ? 'field' : 'property';
  if (problem.params?.additionalProperty) return new BridgeError('bad_request', `unknown ${what} '${problem.params.additionalProperty}'`);
  const message = `${field || 'request'} ${problem.message ?? 'is invalid'}`;
  return new BridgeError(field === 'scale' ? 'bad_scale' : 'bad_request', message);
}

/** Maps any thrown value onto a BridgeError; unknown errors become `internal` with a generic message. */
export function toBridgeError(err: unknown): BridgeError {
  if (err instanceof BridgeError) return err;
  if (!(err instanceof Error)) return new BridgeError('internal', 'internal error');
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && Object.hasOwn(FASTIFY_CODES, code)) {
    const mapped = FASTIFY_CODES[code]!;
    const { validation, validationContext } = err as { validation?: ValidationProblem[]; validationContext?: string };
    if (validation?.[0]) return validationError(validation[0], validationContext);
    return new BridgeError(mapped, PUBLIC_MESSAGES[mapped] ?? err.message);
  }
  if (err.name === 'CancelledError') return new BridgeError('cancelled', 'the job was cancelled');
  if (isErrorCode(code) && code !== 'internal') return new BridgeError(code, err.message);
  return new BridgeError('internal', 'internal error');
}
