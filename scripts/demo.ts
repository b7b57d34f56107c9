// `npm run demo [-- --json]`: the stack end to end against the embedded MOSIP sandbox, narrated
// for a person. Starts the sandbox on a free loopback port, runs the program (Pulumi.local.yaml)
// through the harness engine, and walks through: converge from nothing; converge again (no
// writes); an end-to-end birth and death registration through the converged integration, as the
// CRVS adapter makes them, with a stand-in for the adapter's WebSub callback (scripts/e2e/); a
// change made by hand in MOSIP's Keycloak, seen by refresh and repaired by up; destroy.
// `--json` prints the same as one JSON document with the sandbox's request counts per phase.
// Exits 1 when any check or registration fails.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { startSandbox, type Sandbox } from "../test/sandbox/server";
import { runEngine, type EngineResult, type Operation } from "../test/harness/engine";
import { loadState } from "../test/harness/state";
import { CallbackReceiver } from "./e2e/callback-receiver";
import {
  defaultFields,
  describeRegistration,
  runRegistration,
  type RegistrationResult,
} from "./e2e/registration";
import { registrationInputs } from "./e2e/stack-inputs";
import { stackConfig, stackRelease } from "./harness";

interface Phase {
  phase: string;
  operation: Operation | "registrations";
  summary: Record<string, number>;
  steps: { op: string; type: string; name: string; changes: string[] }[];
  /** Requests the sandbox served in this phase, by method (token requests included). */
  requests: Record<string, number>;
  writes: number;
  seconds: number;
  /** The end-to-end registrations' results (no secret in them). */
  registrations?: RegistrationResult[];
  /** Why the registrations were not run. */
  skipped?: string;
}

const json = process.argv.includes("--json");
const say = (s = "") => {
  if (!json) process.stdout.write(`${s}\n`);
};

/** Points every sandbox URL of the stack file at the port the sandbox really got. */
function retarget(value: unknown, url: string): unknown {
  if (typeof value === "string") return value.replace(/^http:\/\/127\.0\.0\.1:8090/, url);
  if (Array.isArray(value)) return value.map((v) => retarget(v, url));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, retarget(v, url)]));
  }
  return value;
}

/**
 * Points the CRVS systems' loopback callbacks (Pulumi.local.yaml: the adapter on 127.0.0.1:2024)
 * at the demo's callback receiver, and tells the receiver which topic each callback is for: the
 * partner's CREDENTIAL_ISSUED topic, and on the packet-status callback a status topic (its name is
 * the stack's choice, checked against the stack's outputs after converging).
 */
function routeCallbacks(config: Record<string, unknown>, receiver: CallbackReceiver): void {
  const systems = config["mosip-crvs:crvsSystems"] as Array<{
    partnerId: string;
    callbacks: Record<string, string>;
  }>;
  for (const s of systems) {
    for (const [kind, url] of Object.entries(s.callbacks)) {
      const u = new URL(url);
      if (!["127.0.0.1", "localhost", "[::1]"].includes(u.hostname)) continue;
      const credentialTopic = `${s.partnerId}/CREDENTIAL_ISSUED`;
      s.callbacks[kind] = receiver.route({
        path: u.pathname,
        topic:
          kind === "credentialIssued"
            ? credentialTopic
            : (t) => t !== credentialTopic && /STATUS|WORKFLOW_COMPLETED/.test(t),
      });
    }
  }
}

async function keycloakAdmin(sandbox: Sandbox, method: string, path: string, body?: unknown) {
  const o = sandbox.context.options;
  const tok = (await (
    await fetch(`${sandbox.url}/auth/realms/master/protocol/openid-connect/token`, {
      method: "POST",
      body: new URLSearchParams({
        grant_type: "password",
        client_id: "admin-cli",
        username: o.keycloakAdminUser,
        password: o.keycloakAdminPassword,
      }),
    })
  ).json()) as { access_token: string };
  const res = await fetch(`${sandbox.url}/auth/admin/realms/mosip/${path}`, {
    method,
    headers: { authorization: `Bearer ${tok.access_token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return text ? JSON.parse(text) : undefined;
}

async function main(): Promise<void> {
  const root = join(__dirname, "..");
  const work = mkdtempSync(join(tmpdir(), "mosip-crvs-demo-"));
  const { project, config: fileConfig } = stackConfig(root, "local");
  // The sandbox's Keycloak is seeded as the release the stack targets (1.2.1+ ship
  // ONLINE_REGISTRATION_CLIENT), so the stack looks up exactly the roles that MOSIP ships.
  const sandbox = await startSandbox({ release: stackRelease(fileConfig) });
  const receiver = await CallbackReceiver.start();
  const phases: Phase[] = [];
  const config = retarget(fileConfig, sandbox.url) as Record<string, unknown>;
  routeCallbacks(config, receiver);
  const stateFile = join(work, "local.state.json");
  const passphrase = randomBytes(16).toString("hex");

  async function phase(
    title: string,
    operation: Operation,
    extra: { previewOnly?: boolean } = {},
  ): Promise<EngineResult> {
    say(`\n== ${title}`);
    const first = sandbox.requests.length;
    const started = Date.now();
    const result = await runEngine({
      op: operation,
      stack: "local",
      project,
      stateFile,
      config,
      passphrase,
      previewOnly: extra.previewOnly,
      onStep: (e) => {
        if (e.op === "same") return;
        const diff = e.changes.length ? ` (${e.changes.join(", ")})` : "";
        say(
          `   ${e.op.padEnd(8)} ${e.type.replace(/^pulumi-nodejs:dynamic\//, "")} ${e.name}${diff}`,
        );
      },
    });
    const served = sandbox.requests.slice(first);
    const requests: Record<string, number> = {};
    for (const r of served) requests[r.method] = (requests[r.method] ?? 0) + 1;
    const writes = served.filter(
      (r) => r.method !== "GET" && !/\/token$|\/authenticate\//.test(r.path),
    ).length;
    const summary: Record<string, number> = {};
    for (const s of result.steps) summary[s.op] = (summary[s.op] ?? 0) + 1;
    phases.push({
      phase: title,
      operation,
      summary,
      steps: result.steps.map(({ op, type, name, changes }) => ({ op, type, name, changes })),
      requests,
      writes,
      seconds: Math.round((Date.now() - started) / 100) / 10,
    });
    const counts = Object.entries(summary)
      .map(([k, n]) => `${n} ${k}`)
      .join(", ");
    say(
      `   -> ${counts || "nothing"}; sandbox saw ${served.length} requests (${writes} writes) in ${phases.at(-1)!.seconds}s`,
    );
    return result;
  }

  let ok = true;
  const check = (cond: boolean, what: string) => {
    say(`   ${cond ? "ok" : "FAILED"}: ${what}`);
    ok &&= cond;
  };

  /**
   * 3. A birth then a death, as the CRVS adapter makes them, with the credentials and ids the stack
   * produced; the receiver stands in for the adapter's callback. False when one fails.
   */
  async function registrations(up: EngineResult): Promise<boolean> {
    const title = "3. End-to-end registrations through the converged integration";
    say(`\n== ${title}`);
    const first = sandbox.requests.length;
    const started = Date.now();
    const record = (extra: Partial<Phase>) => {
      const served = sandbox.requests.slice(first);
      const requests: Record<string, number> = {};
      for (const r of served) requests[r.method] = (requests[r.method] ?? 0) + 1;
      phases.push({
        phase: title,
        operation: "registrations",
        summary: {},
        steps: [],
        requests,
        writes: served.filter(
          (r) => r.method !== "GET" && !/\/token$|\/authenticate\//.test(r.path),
        ).length,
        seconds: Math.round((Date.now() - started) / 100) / 10,
        ...extra,
      });
    };
    const partnerId = (config["mosip-crvs:crvsSystems"] as { partnerId: string }[])[0].partnerId;
    const state = loadState(stateFile, "local", project, passphrase);
    const found = registrationInputs(up.outputs, state.resources, partnerId);
    if (!found.wired) {
      const why = `not run: the stack does not onboard ${partnerId} as a credential partner yet (no CredentialPartner in its state), so MOSIP has nobody to issue a credential to`;
      say(`   ${why}`);
      record({ skipped: why });
      return true;
    }
    if (!found.inputs) {
      const why = `cannot run: the stack's outputs and state lack ${found.missing.join(", ")}`;
      say(`   FAILED: ${why}`);
      record({ skipped: why });
      return false;
    }
    const i = found.inputs;
    if (found.fromState.length > 0) {
      say(`   (read from resource state, not exported as outputs: ${found.fromState.join(", ")})`);
    }
    const credentialPath = new URL(i.credentialCallback).pathname;
    const verified = receiver.intents.some(
      (x) => x.topic === i.credentialTopic && x.mode === "subscribe" && x.confirmed,
    );
    check(verified, `the hub verified the ${i.credentialTopic} subscription at the callback`);
    receiver.configure(credentialPath, {
      secret: i.credentialHubSecret,
      partnerPrivateKeyPem: i.partnerPrivateKeyPem,
    });
    if (i.packetStatus) {
      const p = i.packetStatus;
      const confirmed = receiver.intents.some((x) => x.topic === p.topic && x.confirmed);
      check(
        confirmed,
        `the hub verified the ${p.topic} subscription at the packet-status callback`,
      );
      if (p.hubSecret) receiver.configure(new URL(p.callback).pathname, { secret: p.hubSecret });
    }
    const mosip = config["mosip-crvs:mosip"] as { apiBaseUrl: string; appId?: string };
    const results: RegistrationResult[] = [];
    for (const process of ["CRVS_NEW", "CRVS_DEATH"] as const) {
      const r = await runRegistration({
        apiBaseUrl: mosip.apiBaseUrl,
        // What the adapter is configured with (MOSIP_AUTH_CLIENT_APP_ID); config.ts's default.
        appId: mosip.appId ?? "admin",
        sandboxUrl: sandbox.url,
        clientId: i.clientId,
        clientSecret: i.clientSecret,
        process,
        centreId: i.centreId,
        machineId: i.machineId,
        partnerId,
        receiver,
      });
      results.push(r);
      for (const line of describeRegistration(r)) say(`   ${line}`);
    }
    record({ registrations: results });
    const last = phases.at(-1)!;
    say(
      `   -> ${results.filter((r) => r.ok).length} of ${results.length} registrations passed; sandbox saw ${sandbox.requests.length - first} requests (${last.writes} writes) in ${last.seconds}s`,
    );
    const passed = results.every((r) => r.ok);
    check(passed, "a birth and a death registered, the credential delivered signed and decrypted");
    if (!passed) return false;
    // The DataShare policy the stack built shares sharedAttributes and nothing else.
    const system = (
      config["mosip-crvs:crvsSystems"] as { partnerId: string; sharedAttributes: string[] }[]
    ).find((s) => s.partnerId === partnerId)!;
    const extra = results
      .flatMap((r) => r.credential?.attributes ?? [])
      .filter((a) => a !== "registrationId" && !system.sharedAttributes.includes(a));
    // Of the shared attributes, those the birth packet carries must all be in its credential.
    const carried = Object.keys(defaultFields("CRVS_NEW"));
    const expected = system.sharedAttributes.filter((a) => carried.includes(a));
    const birth = results[0].credential?.attributes ?? [];
    const shared = expected.every((a) => birth.includes(a));
    check(
      extra.length === 0 && shared,
      `the birth credential carries the shared attributes its packet has (${expected.join(", ")}) and no credential carries more${extra.length ? `; extra: ${[...new Set(extra)].join(", ")}` : ""}`,
    );
    return extra.length === 0 && shared;
  }

  try {
    say(`MOSIP sandbox on ${sandbox.url}; stack "local" (Pulumi.local.yaml), state in a temp dir.`);
    const up1 = await phase("1. Converge from nothing (pulumi up)", "up");
    check(
      up1.steps.some((s) => s.op === "create"),
      "objects were created",
    );

    await phase("2. Converge again: nothing to do", "up");
    check(
      phases[1].writes === 0 &&
        phases[1].summary.same > 0 &&
        Object.keys(phases[1].summary).length === 1,
      "no writes, every object unchanged",
    );

    ok = (await registrations(up1)) && ok;

    say(
      "\n== 4. Someone removes a role from the CRVS client's service account by hand, in Keycloak",
    );
    const partnerId = (config["mosip-crvs:crvsSystems"] as { partnerId: string }[])[0].partnerId;
    const [client] = (await keycloakAdmin(sandbox, "GET", `clients?clientId=${partnerId}`)) as {
      id: string;
    }[];
    const sa = (await keycloakAdmin(
      sandbox,
      "GET",
      `clients/${client.id}/service-account-user`,
    )) as { id: string };
    const role = (await keycloakAdmin(
      sandbox,
      "GET",
      "roles/SUBSCRIBE_CREDENTIAL_ISSUED_INDIVIDUAL",
    )) as { id: string; name: string };
    await keycloakAdmin(sandbox, "DELETE", `users/${sa.id}/role-mappings/realm`, [
      { id: role.id, name: role.name },
    ]);
    say(`   removed SUBSCRIBE_CREDENTIAL_ISSUED_INDIVIDUAL from service-account-${partnerId}`);

    const drift = await phase("5. Drift check (pulumi refresh --preview-only)", "refresh", {
      previewOnly: true,
    });
    check(
      drift.steps.some((s) => s.op === "gone" || s.op === "drift"),
      "refresh sees the change",
    );
    await phase("6. Refresh state, then converge: the role is granted again", "refresh");
    await phase("6b. pulumi up", "up");
    const roles = (await keycloakAdmin(sandbox, "GET", `users/${sa.id}/role-mappings/realm`)) as {
      name: string;
    }[];
    check(
      roles.some((r) => r.name === "SUBSCRIBE_CREDENTIAL_ISSUED_INDIVIDUAL"),
      "the role is back in Keycloak",
    );

    await phase("7. Destroy", "destroy");
    const left = (await keycloakAdmin(
      sandbox,
      "GET",
      `clients?clientId=${partnerId}`,
    )) as unknown[];
    check(left.length === 0, "the CRVS client is gone; roles MOSIP ships are kept");
  } catch (err) {
    ok = false;
    say(`\nFAILED: ${(err as Error).message}`);
  } finally {
    await receiver.close();
    await sandbox.close();
    rmSync(work, { recursive: true, force: true });
  }
  if (json)
    process.stdout.write(`${JSON.stringify({ ok, sandbox: "embedded", phases }, null, 2)}\n`);
  else say(ok ? "\nDemo passed." : "\nDemo FAILED.");
  process.exit(ok ? 0 : 1);
}

void main();
