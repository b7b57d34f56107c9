// Scrubbing of text that may reach a log line or an error message. Pure functions, no state, so
// the closure serializer can carry them into a dynamic provider.

const MASK = "[REDACTED]";

/**
 * Field names whose values are secret in JSON bodies, form bodies and query strings. Not after a
 * `/`: there the word ends a URL path (`.../generate/apikey: PMS_PRT_055 "..."`, `.../token:
 * invalid_client`) and what follows is MOSIP's error code, not a value.
 */
const SECRET_FIELD =
  /((?<!\/)"?(?:secretKey|password|clientSecret|client_secret|secret|hub\.secret|token|refreshToken|access_token|refresh_token|id_token|privateKey|apiKey)"?\s*[:=]\s*)("(?:[^"\\]|\\.)*"|[^\s&,;"}]+)/gi;

/**
 * Removes registered secrets (raw and URL-encoded), JWTs, `Authorization` header/cookie values
 * and the values of secret-named fields from `text`.
 */
export function scrub(text: string, secrets: Iterable<string> = []): string {
  let out = text;
  const all = [...secrets].flatMap((s) => [s, encodeURIComponent(s)]);
  for (const s of all.sort((a, b) => b.length - a.length)) if (s) out = out.split(s).join(MASK);
  return out
    .replace(/eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*/g, MASK)
    .replace(/(Authorization\s*[=:]\s*)(?:Bearer\s+)?[^\s;,&"]+/gi, `$1${MASK}`)
    .replace(SECRET_FIELD, `$1${MASK}`);
}

/** The URL as shown to people: no credentials, and the values of secret-looking query keys hidden. */
export function showUrl(url: URL): string {
  const u = new URL(url.href);
  u.username = u.password = "";
  for (const k of [...u.searchParams.keys()])
    if (/secret|password|token|key|signature/i.test(k)) u.searchParams.set(k, "REDACTED");
  return u.href;
}
