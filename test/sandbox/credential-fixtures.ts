// Test fixtures shared by the WebSub, packet manager and regproc tests: tokens the way a MOSIP
// client gets them (authmanager `clientidsecretkey`), and Keycloak clients created through the
// sandbox Keycloak's admin REST API, as the stack (or an operator) creates them.
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import git from "isomorphic-git";
import http from "isomorphic-git/http/node";
import type { ConfigSeed } from "./config-server";
import {
  adminToken as pmsAdminToken,
  call as pms,
  dataSharePolicy,
  partnerCerts,
  partnerUserToken,
  type Answer,
} from "./pms-testkit";
import type { Sandbox } from "./server";

/** `POST /v1/authmanager/authenticate/clientidsecretkey`; the token comes back in a header. */
export async function authToken(
  sandbox: Sandbox,
  clientId: string,
  secretKey: string,
  appId = "regproc",
): Promise<string> {
  const res = await fetch(`${sandbox.url}/v1/authmanager/authenticate/clientidsecretkey`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      id: "string",
      version: "string",
      requesttime: new Date().toISOString(),
      metadata: {},
      request: { clientId, secretKey, appId },
    }),
  });
  const token = res.headers.get("authorization");
  if (res.status !== 200 || !token) {
    throw new Error(`authenticate ${clientId}: HTTP ${res.status} ${await res.text()}`);
  }
  return token;
}

/** The onboarder's deployment client token (GLOBAL_ADMIN, PARTNER_ADMIN, ...). */
export function adminToken(sandbox: Sandbox): Promise<string> {
  const o = sandbox.context.options;
  return authToken(sandbox, o.adminClientId, o.adminClientSecret);
}

async function keycloakAdminToken(sandbox: Sandbox): Promise<string> {
  const o = sandbox.context.options;
  const res = await fetch(`${sandbox.url}/auth/realms/master/protocol/openid-connect/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "password",
      client_id: "admin-cli",
      username: o.keycloakAdminUser,
      password: o.keycloakAdminPassword,
    }),
  });
  const body = (await res.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`keycloak admin token: HTTP ${res.status}`);
  return body.access_token;
}

/**
 * Creates a confidential client with service accounts in realm `mosip` and grants its service
 * account the given realm roles (Keycloak admin REST API). Returns the generated test secret.
 */
export async function createServiceClient(
  sandbox: Sandbox,
  clientId: string,
  roles: string[],
): Promise<string> {
  const admin = await keycloakAdminToken(sandbox);
  const base = `${sandbox.url}/auth/admin/realms/mosip`;
  const call = async (method: string, path: string, body?: unknown): Promise<Response> => {
    const res = await fetch(base + path, {
      method,
      headers: {
        authorization: `Bearer ${admin}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status >= 300) {
      throw new Error(`keycloak admin ${method} ${path}: HTTP ${res.status} ${await res.text()}`);
    }
    return res;
  };
  const secret = `sandbox-test-${randomBytes(8).toString("hex")}`;
  await call("POST", "/clients", {
    clientId,
    enabled: true,
    publicClient: false,
    serviceAccountsEnabled: true,
    clientAuthenticatorType: "client-secret",
    secret,
  });
  const [client] = (await (
    await call("GET", `/clients?clientId=${encodeURIComponent(clientId)}`)
  ).json()) as Array<{ id: string }>;
  const user = (await (await call("GET", `/clients/${client.id}/service-account-user`)).json()) as {
    id: string;
  };
  const reps = [];
  for (const name of roles) {
    const found = await fetch(`${base}/roles/${encodeURIComponent(name)}`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    if (found.status === 404) {
      // Roles MOSIP 1.2.0.1 does not ship (ONLINE_REGISTRATION_CLIENT) are created, as the stack does.
      await call("POST", "/roles", { name });
      reps.push(await (await call("GET", `/roles/${encodeURIComponent(name)}`)).json());
    } else {
      reps.push(await found.json());
    }
  }
  if (reps.length > 0) await call("POST", `/users/${user.id}/role-mappings/realm`, reps);
  return secret;
}

/** A client with roles, and its token from authmanager. */
export async function clientToken(
  sandbox: Sandbox,
  clientId: string,
  roles: string[],
): Promise<string> {
  const secret = await createServiceClient(sandbox, clientId, roles);
  return authToken(sandbox, clientId, secret);
}

/** Polls until `check` gives a value (not undefined/false), failing after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 10_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Edits files of the sandbox's config repo and pushes the commit (isomorphic-git over smart HTTP),
 * as the stack changes MOSIP's configuration. `edits` maps a file to a function of its content.
 */
export async function pushConfig(
  sandbox: Sandbox,
  edits: Record<string, (content: string) => string>,
  message = "test: configure the sandbox",
): Promise<void> {
  const seed = sandbox.context.seed.config as ConfigSeed;
  const onAuth = () => ({ username: "sandbox-test", password: seed.token });
  const dir = await mkdtemp(path.join(tmpdir(), "sandbox-config-push-"));
  try {
    await git.clone({
      fs,
      http,
      dir,
      url: seed.repoUrl,
      ref: seed.label,
      singleBranch: true,
      onAuth,
    });
    for (const [file, edit] of Object.entries(edits)) {
      const p = path.join(dir, file);
      const before = fs.existsSync(p) ? await readFile(p, "utf8") : "";
      await writeFile(p, edit(before));
      await git.add({ fs, dir, filepath: file });
    }
    await git.commit({
      fs,
      dir,
      message,
      author: { name: "Sandbox test", email: "sandbox-test@example.invalid" },
    });
    const res = await git.push({ fs, http, dir, remote: "origin", ref: seed.label, onAuth });
    if (!res.ok) throw new Error(`config push failed: ${JSON.stringify(res)}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Sets (or replaces) `key=value` lines in a properties file's content. */
export function setProperties(values: Record<string, string>): (content: string) => string {
  return (content) => {
    let out = content;
    for (const [key, value] of Object.entries(values)) {
      const re = new RegExp(`^${key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\s*[=:].*$`, "m");
      const line = `${key}=${value}`;
      out = re.test(out) ? out.replace(re, () => line) : `${out.replace(/\n?$/, "\n")}${line}\n`;
    }
    return out;
  };
}

/**
 * Onboards a credential partner through PMS over HTTP, as the partner onboarder does (§11.1 with
 * approval): group + DataShare policy + publish, partner, CA + leaf certificates, mapping request
 * as the partner's own user, extractors, approval, credential-type mapping. Returns the leaf's
 * private key (what decrypts "Partner Based" credentials).
 */
export async function onboardCredentialPartner(
  sandbox: Sandbox,
  partnerId: string,
  credentialType: string,
  encryptionType = "Partner Based",
): Promise<{ keyPem: string; policyName: string }> {
  const admin = await pmsAdminToken(sandbox);
  const ok = async (p: Promise<Answer>): Promise<Record<string, unknown>> => {
    const a = await p;
    if ((a.body.errors ?? []).length > 0 || a.status !== 200) {
      throw new Error(`PMS: HTTP ${a.status} ${JSON.stringify(a.body.errors)}`);
    }
    return a.body.response as Record<string, unknown>;
  };
  const PM = "/v1/policymanager";
  const PT = "/v1/partnermanager";
  const groupName = `grp-${partnerId}`;
  const policyName = `pol-${partnerId}`;
  const g = await ok(
    pms(sandbox, admin, "POST", `${PM}/policies/group/new`, { name: groupName, desc: "CRVS" }),
  );
  const p = await ok(
    pms(sandbox, admin, "POST", `${PM}/policies`, {
      policyId: "",
      policyGroupName: groupName,
      policyType: "DataShare",
      name: policyName,
      desc: "CRVS credential",
      version: "1.0",
      policies: dataSharePolicy(encryptionType),
    }),
  );
  await ok(
    pms(sandbox, admin, "POST", `${PM}/policies/${String(p.id)}/group/${String(g.id)}/publish`),
  );
  const partnerTok = await partnerUserToken(sandbox, partnerId, ["CREDENTIAL_PARTNER"]);
  await ok(
    pms(sandbox, admin, "POST", `${PT}/partners`, {
      partnerId,
      organizationName: `Org ${partnerId}`,
      address: "1 Registry Road",
      contactNumber: "+15550100",
      emailId: `${partnerId}@crvs.example.org`,
      partnerType: "Credential_Partner",
      policyGroup: groupName,
    }),
  );
  const { ca, leaf } = await partnerCerts(`Org ${partnerId}`);
  await ok(
    pms(sandbox, admin, "POST", `${PT}/partners/certificate/ca/upload`, {
      certificateData: ca.certPem,
      partnerDomain: "AUTH",
    }),
  );
  await ok(
    pms(sandbox, admin, "POST", `${PT}/partners/certificate/upload`, {
      partnerId,
      certificateData: leaf.certPem,
      partnerDomain: "AUTH",
    }),
  );
  const req = await ok(
    pms(sandbox, partnerTok, "POST", `${PT}/partners/${partnerId}/policy/map`, {
      policyName,
      useCaseDescription: "CRVS credentials",
    }),
  );
  await ok(
    pms(sandbox, admin, "POST", `${PT}/partners/${partnerId}/bioextractors/${String(p.id)}`, {
      extractors: [
        {
          attributeName: "face",
          biometric: "face",
          extractor: { provider: "dlib", version: "3.2" },
        },
      ],
    }),
  );
  await ok(
    pms(sandbox, admin, "PUT", `${PT}/partners/policy/${String(req.mappingkey)}`, {
      status: "Approved",
    }),
  );
  await ok(
    pms(
      sandbox,
      admin,
      "POST",
      `${PT}/partners/${partnerId}/credentialtype/${credentialType}/policies/${policyName}`,
    ),
  );
  return { keyPem: leaf.keyPem, policyName };
}
