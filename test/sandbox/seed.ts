// What a fresh MOSIP 1.2.0.1 has that matters to the integration, and the sandbox's defaults.
// The seeded admin credentials can be set by environment variables (documented in README.md).
import type { SandboxOptions } from "./types";

export function defaultOptions(env: NodeJS.ProcessEnv = process.env): SandboxOptions {
  return {
    // The onboarder's deployment client: GLOBAL_ADMIN, ID_AUTHENTICATION, PARTNER_ADMIN (+ the
    // PMS and masterdata roles the stack needs), as mosip-deployment-client has in keycloak-init.
    adminClientId: env.SANDBOX_ADMIN_CLIENT_ID ?? "mosip-deployment-client",
    adminClientSecret: env.SANDBOX_ADMIN_CLIENT_SECRET ?? "sandbox-deployment-secret",
    keycloakAdminUser: env.SANDBOX_KEYCLOAK_ADMIN_USER ?? "admin",
    keycloakAdminPassword: env.SANDBOX_KEYCLOAK_ADMIN_PASSWORD ?? "sandbox-admin-password",
    globalAdminUser: env.SANDBOX_GLOBAL_ADMIN_USER ?? "globaladmin",
    globalAdminPassword: env.SANDBOX_GLOBAL_ADMIN_PASSWORD ?? "sandbox-globaladmin-password",
    tokenLifetime: Number(env.SANDBOX_TOKEN_LIFETIME ?? 300),
    release: sandboxRelease(env.SANDBOX_MOSIP_RELEASE),
  };
}

/** SANDBOX_MOSIP_RELEASE, checked: an unknown release is an error, not a silent 1.2.0.1. */
export function sandboxRelease(v: string | undefined): SandboxOptions["release"] {
  if (v === undefined || v === "") return "1.2.0.1";
  if (v === "1.2.0.1" || v === "1.2.1" || v === "1.3") return v;
  throw new Error(
    `SANDBOX_MOSIP_RELEASE=${v} is not a release the sandbox seeds (1.2.0.1, 1.2.1, 1.3)`,
  );
}
