// The policy pack as Pulumi runs it. Part 1 builds the policies (policy/pack.ts) and calls their
// validate functions with the argument bags the policy SDK hands them. Part 2 starts policy/index.ts
// the way the Pulumi CLI starts a local policy pack (the SDK's own run-policy-pack entry point, ts-node
// registered, working directory = the pack, the stack config in PULUMI_CONFIG) and talks to its
// analyzer gRPC server as the engine does: GetAnalyzerInfo, Analyze, AnalyzeStack. Together they
// show the enforcement level following `mosip-crvs:environment`: mandatory in production, advisory
// in development.
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import * as readline from "node:readline";
import * as grpc from "@grpc/grpc-js";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import * as anrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as anproto from "@pulumi/pulumi/proto/analyzer_pb";
import type {
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildPolicyPackArgs, plain, PACK_NAME } from "../../policy/pack";
import { TYPES, type Environment } from "../../policy/rules";

const ROOT = path.resolve(__dirname, "../..");
const PACK_DIR = path.join(ROOT, "policy");
const POLICY_NAMES = [
  "mosip-no-wildcard-or-http-redirects",
  "mosip-no-uin-without-legal-mandate",
  "mosip-crvs-client-roles",
  "mosip-client-id-is-partner-id",
  "mosip-audience-merged",
  "mosip-secrets-as-secrets",
];

const urn = (type: string, name: string) => `urn:pulumi:s::mosip-crvs::${type}::${name}`;

function resourceArgs(
  type: string,
  name: string,
  props: Record<string, unknown>,
): ResourceValidationArgs {
  return {
    type,
    name,
    urn: urn(type, name),
    props,
    opts: {
      protect: false,
      ignoreChanges: [],
      aliases: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      additionalSecretOutputs: [],
    },
    stackTags: new Map(),
    isType: () => false,
    asType: () => undefined,
    getConfig: <T extends object>() => ({}) as T,
    notApplicable: (reason?: string): never => {
      throw new Error(reason);
    },
  };
}

function stackResource(
  type: string,
  name: string,
  props: Record<string, unknown>,
  propertyDependencies: Record<string, PolicyResource[]> = {},
): PolicyResource {
  return {
    ...resourceArgs(type, name, props),
    dependencies: [],
    propertyDependencies,
    asType: () => undefined,
  } as unknown as PolicyResource;
}

describe("policy/pack.ts: the policies and their enforcement level", () => {
  test.each<[Environment, string]>([
    ["production", "mandatory"],
    ["development", "advisory"],
  ])("%s -> every policy %s", (environment, level) => {
    const args = buildPolicyPackArgs({ environment, crvsSystems: [] });
    expect(args.enforcementLevel).toBe(level);
    expect(args.policies.map((p) => p.name)).toEqual(POLICY_NAMES);
    for (const p of args.policies) expect(p.enforcementLevel).toBe(level);
  });

  test.each<[Environment, number]>([
    ["production", 1],
    ["development", 0],
  ])("a loopback http redirect URI in %s -> %i violation(s)", (environment, n) => {
    const args = buildPolicyPackArgs({ environment, crvsSystems: [] });
    const p = args.policies[0] as ResourceValidationPolicy;
    const seen: string[] = [];
    const report: ReportViolation = (m) => void seen.push(m);
    const validate = p.validateResource as (a: ResourceValidationArgs, r: ReportViolation) => void;
    validate(
      resourceArgs(TYPES.keycloakClient, "kc", {
        validRedirectUris: ["http://localhost:3000/cb"],
      }),
      report,
    );
    expect(seen).toHaveLength(n);
  });

  test("a value unknown during preview is skipped, the known ones still judged", () => {
    const props = {
      redirectUris: new Proxy(["https://ok.example.org/cb", "UNKNOWN", "*"], {
        get(t, k) {
          if (k === "1") throw new Error("unknown during preview");
          return Reflect.get(t, k);
        },
      }),
    };
    expect(plain(props)).toEqual({ redirectUris: ["https://ok.example.org/cb", undefined, "*"] });
    const p = buildPolicyPackArgs({ environment: "production", crvsSystems: [] })
      .policies[0] as ResourceValidationPolicy;
    const seen: string[] = [];
    (p.validateResource as (a: ResourceValidationArgs, r: ReportViolation) => void)(
      resourceArgs(`${TYPES.mosipPrefix}OidcClient`, "oidc", props),
      (m) => void seen.push(m),
    );
    expect(seen).toHaveLength(1);
    expect(seen[0]).toContain("redirectUris[2]");
  });

  test("stack policies report against the violating resource; the roles allow-list comes from policy config", () => {
    const args = buildPolicyPackArgs({
      environment: "production",
      crvsSystems: [{ partnerId: "opencrvs-partner" }],
    });
    const roles = args.policies.find(
      (p) => p.name === "mosip-crvs-client-roles",
    ) as StackValidationPolicy;
    const client = stackResource(TYPES.keycloakClient, "kc", { clientId: "opencrvs-partner" });
    const grant = stackResource(
      TYPES.serviceAccountRealmRole,
      "sa-rp",
      { role: "REGISTRATION_PROCESSOR" },
      { serviceAccountUserId: [client] },
    );
    const run = (config: object) => {
      const seen: { m: string; urn?: string }[] = [];
      const stackArgs: StackValidationArgs = {
        resources: [client, grant],
        stackTags: new Map(),
        getConfig: <T extends object>() => config as T,
        notApplicable: (): never => {
          throw new Error("n/a");
        },
      };
      roles.validateStack(stackArgs, (m, u) => void seen.push({ m, urn: u }));
      return seen;
    };
    const blocked = run({});
    expect(blocked).toHaveLength(1);
    expect(blocked[0].urn).toBe(grant.urn);
    expect(blocked[0].m).toContain('Keycloak client "opencrvs-partner"');
    expect(run({ extraAllowedRoles: ["REGISTRATION_PROCESSOR"] })).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Part 2: policy/index.ts served by the policy SDK, driven over gRPC
// ---------------------------------------------------------------------------------------------

interface Served {
  child: ChildProcess;
  client: anrpc.AnalyzerClient;
  stderr: string[];
}

/** Starts the pack as the CLI does and connects to the port it prints. */
function servePack(config: Record<string, string>): Promise<Served> {
  const entry = path.join(ROOT, "node_modules/@pulumi/pulumi/cmd/run-policy-pack/index.js");
  // The engine address is only used to send log lines; no engine is needed for analysis.
  const child = spawn(process.execPath, [entry, "127.0.0.1:1", "."], {
    cwd: PACK_DIR,
    env: { ...process.env, PULUMI_CONFIG: JSON.stringify(config) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stderr: string[] = [];
  child.stderr?.on("data", (d: Buffer) => stderr.push(d.toString()));
  return new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: child.stdout! });
    rl.once("line", (line) => {
      const port = Number(line.trim());
      if (!Number.isInteger(port) || port <= 0) {
        reject(new Error(`policy pack printed "${line}" instead of its port; ${stderr.join("")}`));
        return;
      }
      const client = new anrpc.AnalyzerClient(
        `127.0.0.1:${port}`,
        grpc.credentials.createInsecure(),
      );
      resolve({ child, client, stderr });
    });
    child.once("exit", (code) =>
      reject(new Error(`policy pack exited with ${code}: ${stderr.join("")}`)),
    );
  });
}

function call<Req, Res>(
  fn: (req: Req, cb: (err: grpc.ServiceError | null, res: Res) => void) => void,
  req: Req,
): Promise<Res> {
  return new Promise((resolve, reject) =>
    fn(req, (err, res) => (err ? reject(err) : resolve(res))),
  );
}

function options(secretOutputs: string[] = []): anproto.AnalyzerResourceOptions {
  const o = new anproto.AnalyzerResourceOptions();
  o.setAdditionalsecretoutputsList(secretOutputs);
  return o;
}

function analyzeRequest(type: string, name: string, props: Record<string, unknown>) {
  const req = new anproto.AnalyzeRequest();
  req.setType(type);
  req.setName(name);
  req.setUrn(urn(type, name));
  req.setProperties(Struct.fromJavaScript(props as never));
  req.setOptions(options());
  return req;
}

function stackRequest(
  resources: { type: string; name: string; props: Record<string, unknown>; secret?: string[] }[],
) {
  const req = new anproto.AnalyzeStackRequest();
  req.setResourcesList(
    resources.map((r) => {
      const a = new anproto.AnalyzerResource();
      a.setType(r.type);
      a.setName(r.name);
      a.setUrn(urn(r.type, r.name));
      a.setProperties(Struct.fromJavaScript(r.props as never));
      a.setOptions(options(r.secret));
      return a;
    }),
  );
  return req;
}

type Diag = { policy: string; level: number; message: string; urn: string };
const diags = (res: anproto.AnalyzeResponse): Diag[] =>
  res.getDiagnosticsList().map((d) => ({
    policy: d.getPolicyname(),
    level: d.getEnforcementlevel(),
    message: d.getMessage(),
    urn: d.getUrn(),
  }));

describe("policy/index.ts served by the policy SDK", () => {
  const served: Partial<Record<Environment, Served>> = {};

  beforeAll(async () => {
    // Both at once: each compiles the pack with ts-node (type-checked, as the CLI's runner does).
    // Each is recorded as soon as it is up, so afterAll stops it even when the other fails.
    await Promise.all([
      servePack({
        "mosip-crvs:environment": "production",
        "mosip-crvs:crvsSystems": JSON.stringify([{ partnerId: "opencrvs-partner" }]),
      }).then((s) => (served.production = s)),
      servePack({ "mosip-crvs:environment": "development" }).then((s) => (served.development = s)),
    ]);
  }, 240_000);

  afterAll(() => {
    for (const s of Object.values(served)) {
      s?.client.close();
      s?.child.kill();
    }
  });

  test.each<[Environment, number]>([
    ["production", anproto.EnforcementLevel.MANDATORY],
    ["development", anproto.EnforcementLevel.ADVISORY],
  ])("GetAnalyzerInfo in %s: every policy at level %i", async (env, level) => {
    const s = served[env]!;
    const info = await call<Empty, anproto.AnalyzerInfo>(
      s.client.getAnalyzerInfo.bind(s.client),
      new Empty(),
    );
    expect(info.getName()).toBe(PACK_NAME);
    expect(info.getVersion()).toBe("0.1.0");
    expect(info.getPoliciesList().map((p) => p.getName())).toEqual(POLICY_NAMES);
    for (const p of info.getPoliciesList()) expect(p.getEnforcementlevel()).toBe(level);
  });

  test.each<[Environment, string, number, number]>([
    ["production", "*", 1, anproto.EnforcementLevel.MANDATORY],
    ["development", "*", 1, anproto.EnforcementLevel.ADVISORY],
    ["production", "http://localhost:3000/cb", 1, anproto.EnforcementLevel.MANDATORY],
    ["development", "http://localhost:3000/cb", 0, anproto.EnforcementLevel.ADVISORY],
    ["production", "https://crvs.example.org/cb", 0, anproto.EnforcementLevel.MANDATORY],
  ])("Analyze in %s: redirect URI %s -> %i violation(s)", async (env, uri, n, level) => {
    const s = served[env]!;
    const res = await call<anproto.AnalyzeRequest, anproto.AnalyzeResponse>(
      s.client.analyze.bind(s.client),
      analyzeRequest(TYPES.keycloakClient, "crvs-client", {
        clientId: "opencrvs-partner",
        validRedirectUris: [uri],
      }),
    );
    const d = diags(res);
    expect(d).toHaveLength(n);
    for (const x of d) {
      expect(x.policy).toBe("mosip-no-wildcard-or-http-redirects");
      expect(x.level).toBe(level);
      expect(x.message).toContain("validRedirectUris[0]");
    }
  });

  test.each<[Environment, number]>([
    ["production", anproto.EnforcementLevel.MANDATORY],
    ["development", anproto.EnforcementLevel.ADVISORY],
  ])("AnalyzeStack in %s: an admin role and a plain client secret", async (env, level) => {
    const s = served[env]!;
    const res = await call<anproto.AnalyzeStackRequest, anproto.AnalyzeResponse>(
      s.client.analyzeStack.bind(s.client),
      stackRequest([
        {
          type: TYPES.keycloakClient,
          name: "crvs-client",
          props: {
            clientId: "opencrvs-partner",
            serviceAccountUserId: "sa-1",
            clientSecret: "test-only",
          },
        },
        {
          type: TYPES.serviceAccountRealmRole,
          name: "sa-global_admin",
          props: { role: "GLOBAL_ADMIN", serviceAccountUserId: "sa-1", realmId: "mosip" },
        },
        {
          type: TYPES.serviceAccountRealmRole,
          name: "sa-ok",
          props: {
            role: "ONLINE_REGISTRATION_CLIENT",
            serviceAccountUserId: "sa-1",
            realmId: "mosip",
          },
        },
      ]),
    );
    const d = diags(res).sort((a, b) => a.policy.localeCompare(b.policy));
    expect(d.map((x) => [x.policy, x.urn])).toEqual([
      ["mosip-crvs-client-roles", urn(TYPES.serviceAccountRealmRole, "sa-global_admin")],
      ["mosip-secrets-as-secrets", urn(TYPES.keycloakClient, "crvs-client")],
    ]);
    for (const x of d) expect(x.level).toBe(level);
    expect(d[0].message).toContain("GLOBAL_ADMIN");
    expect(d[1].message).toContain("clientSecret");
  });

  test("AnalyzeStack reads crvsSystems from the stack config: a client id that is no partner id", async () => {
    const s = served.production!;
    const res = await call<anproto.AnalyzeStackRequest, anproto.AnalyzeResponse>(
      s.client.analyzeStack.bind(s.client),
      stackRequest([
        {
          type: TYPES.keycloakClient,
          name: "other",
          props: { clientId: "some-other-client", clientSecret: "x" },
          secret: ["clientSecret"],
        },
      ]),
    );
    const d = diags(res);
    expect(d.map((x) => x.policy)).toEqual(["mosip-client-id-is-partner-id"]);
    expect(d[0].message).toContain('"some-other-client" is not a partner id');
    expect(d[0].message).toContain("opencrvs-partner");
  });
});
