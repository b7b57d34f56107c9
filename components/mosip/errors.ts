// Typed failures of the MOSIP client. Messages are composed (and scrubbed of secrets) by the
// client; these classes carry the structured facts callers branch on.
//
// Written for Pulumi's closure serializer, which turns classes into plain functions: it drops class
// field initializers, makes `super(...)` an `Error.call(this, ...)` (which sets nothing), forwards no
// arguments from an implicit constructor, and keeps a prototype (and so `instanceof`) only when it
// has an own member. Hence: every class has an explicit constructor and a `name` getter, and the
// base assigns `message` and the stack itself.

/** One entry of MOSIP's `errors[]` (eSignet's `errorMessage` is normalised to `message`). */
export interface MosipServiceError {
  errorCode: string | null;
  message: string;
}

export interface MosipErrorFacts {
  method?: string;
  /** The URL without credentials or secret query values. */
  url?: string;
  status?: number;
  errorCode?: string;
  errors?: MosipServiceError[];
  /** True when the failure may go away on its own (network, 5xx): worth a later re-run. */
  transient?: boolean;
}

export class MosipError extends Error {
  readonly method?: string;
  readonly url?: string;
  readonly status?: number;
  readonly errorCode?: string;
  readonly errors: MosipServiceError[];
  readonly transient: boolean;
  constructor(message: string, facts: MosipErrorFacts = {}) {
    super(message);
    this.message = message;
    this.method = facts.method;
    this.url = facts.url;
    this.status = facts.status;
    this.errors = facts.errors ?? [];
    this.errorCode =
      facts.errorCode ?? this.errors.find((e) => e.errorCode)?.errorCode ?? undefined;
    this.transient = facts.transient ?? false;
    if (!Object.prototype.hasOwnProperty.call(this, "stack")) Error.captureStackTrace(this);
  }
  override get name(): string {
    return "MosipError";
  }
}

/** MOSIP answered (usually HTTP 200) with a non-empty `errors[]`, or with `response: null`. */
export class MosipApiError extends MosipError {
  override get name(): string {
    return "MosipApiError";
  }
  constructor(message: string, facts: MosipErrorFacts = {}) {
    super(message, facts);
  }
}

/** An unexpected HTTP status or a body that is not a MOSIP envelope (HTML page, cut-off JSON). */
export class MosipHttpError extends MosipError {
  override get name(): string {
    return "MosipHttpError";
  }
  /** A short, scrubbed excerpt or summary of the body. */
  readonly excerpt: string;
  constructor(message: string, facts: MosipErrorFacts & { excerpt: string }) {
    super(message, facts);
    this.excerpt = facts.excerpt;
  }
}

/** Authentication or authorisation failed (wrong credentials, token refused, role/audience). */
export class MosipAuthError extends MosipError {
  override get name(): string {
    return "MosipAuthError";
  }
  /** Which credential failed, e.g. `client "crvs-client"`; never the secret itself. */
  readonly credential: string;
  constructor(message: string, facts: MosipErrorFacts & { credential: string }) {
    super(message, facts);
    this.credential = facts.credential;
  }
}

/** No usable HTTP answer: DNS, refused/reset connection, TLS verification, timeout. */
export class MosipNetworkError extends MosipError {
  override get name(): string {
    return "MosipNetworkError";
  }
  readonly host: string;
  /** The system/undici error code, e.g. `ECONNREFUSED`, `ETIMEDOUT`, `SELF_SIGNED_CERT_IN_CHAIN`. */
  readonly code: string;
  constructor(message: string, facts: MosipErrorFacts & { host: string; code: string }) {
    super(message, facts);
    this.host = facts.host;
    this.code = facts.code;
  }
}

/** The WebSub hub denied a request (`hub.mode=denied&hub.reason=...`) or failed. */
export class MosipHubError extends MosipError {
  override get name(): string {
    return "MosipHubError";
  }
  readonly reason: string;
  constructor(message: string, facts: MosipErrorFacts & { reason: string }) {
    super(message, facts);
    this.reason = facts.reason;
  }
}

/** The client's own settings forbid or cannot make the call (plain http, missing Keycloak...). */
export class MosipConfigError extends MosipError {
  override get name(): string {
    return "MosipConfigError";
  }
  constructor(message: string, facts: MosipErrorFacts = {}) {
    super(message, facts);
  }
}

/** True when `err` is a MOSIP failure carrying `code` (its first code or any entry of `errors`). */
export function isErrorCode(err: unknown, code: string): boolean {
  if (!(err instanceof Error)) return false;
  const e = err as Partial<MosipError>;
  return (
    e.errorCode === code || (Array.isArray(e.errors) && e.errors.some((x) => x?.errorCode === code))
  );
}
