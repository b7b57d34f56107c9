// MOSIP's kernel-auth-adapter, as the sandbox's services apply it: the token comes only from
// the `Authorization` cookie, must be valid, its `azp`/`aud` must be in the service's
// `auth.server.admin.allowed.audience`, and the caller needs one of the endpoint's roles.
import { kernelErr, Reply, type SandboxRequest } from "./http";
import type { AuthOptions, Principal, SandboxContext } from "./types";

export function unauthenticated(req?: SandboxRequest): Reply {
  return new Reply(
    kernelErr({ errorCode: "KER-ATH-401", message: "Authentication Failed" }, req, 401),
  );
}

export function forbidden(req?: SandboxRequest): Reply {
  return new Reply(kernelErr({ errorCode: "KER-ATH-403", message: "Forbidden" }, req, 403));
}

/** The allowed-audience list of a config file, split and trimmed. */
export async function allowedAudience(sb: SandboxContext, file: string): Promise<string[]> {
  const v = await sb.config.getProperty(file, "auth.server.admin.allowed.audience");
  return (v ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

export async function authenticate(
  sb: SandboxContext,
  req: SandboxRequest,
  opts: AuthOptions,
): Promise<Principal> {
  const token = req.cookies["Authorization"];
  if (!token) throw unauthenticated(req);
  if (sb.faults.expireNextToken()) throw unauthenticated(req);
  const claims = await sb.keycloak.verify(token);
  if (!claims) throw unauthenticated(req);
  if (opts.audienceFile) {
    const allowed = (await allowedAudience(sb, opts.audienceFile)).map((a) => a.toLowerCase());
    const auds =
      claims.aud === undefined ? [] : Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    const ok =
      auds.some((a) => allowed.includes(a.toLowerCase())) ||
      allowed.includes(String(claims.azp).toLowerCase());
    if (!ok) throw forbidden(req);
  }
  const roles = claims.realm_access?.roles ?? [];
  if (opts.roles && opts.roles.length > 0 && !opts.roles.some((r) => roles.includes(r))) {
    throw forbidden(req);
  }
  return {
    token,
    claims,
    userId: claims.preferred_username,
    clientId: claims.azp,
    roles,
    scopes: (claims.scope ?? "").split(" ").filter(Boolean),
  };
}
