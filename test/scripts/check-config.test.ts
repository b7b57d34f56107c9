// check-config as users and CI run it: a child process on the committed stack files and on broken
// ones, asserting exit codes and the exact lines printed, and that no credential is ever printed.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { parse, stringify } from "yaml";
import { checkStackFile, main } from "../../scripts/check-config";

const ROOT = join(__dirname, "..", "..");
// The binary `npx tsx` resolves to, without npm's start-up cost on every case.
const TSX = join(ROOT, "node_modules", ".bin", "tsx");
// Generous: CI machines running the whole suite in parallel can be slow to start a TypeScript child.
const CHILD_TIMEOUT = 150_000;
vi.setConfig({ testTimeout: 2 * CHILD_TIMEOUT + 30_000 });

/** The environment without any of the stack's credential variables. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.MOSIP_CLIENT_SECRET;
  delete env.KEYCLOAK_ADMIN_PASSWORD;
  delete env.CONFIG_REPO_TOKEN;
  return { ...env, ...extra };
}

function run(
  args: string[],
  env: NodeJS.ProcessEnv = cleanEnv(),
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      TSX,
      ["scripts/check-config.ts", ...args],
      { cwd: ROOT, env, timeout: CHILD_TIMEOUT },
      (err, stdout, stderr) => {
        const code = err ? ((err as { code?: number }).code ?? -1) : 0;
        resolve({ code: typeof code === "number" ? code : -1, stdout, stderr });
      },
    );
  });
}

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "check-config-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SECURE = "v1:Zm9vYmFy:c2VjcmV0LWNpcGhlcnRleHQ=";
const PLAIN_SECRET = "plain-text-keycloak-password-42";

/** A production stack with a typo, a UIN without legal basis and a plain-text credential. */
const BROKEN = `
config:
  kubernetes:context: prod-cluster
  mosip-crvs:mosip:
    apiBaseUrl: https://api-internal.mosip.example.org
  mosip-crvs:keycloak:
    url: https://iam.mosip.example.org/auth
  mosip-crvs:websub:
    hubUrl: https://api-internal.mosip.example.org/hub
  mosip-crvs:configServer:
    url: https://config.mosip.example.org/config
    label: release-1.2.0.1
    repo:
      url: https://git.mosip.example.org/mosip/mosip-config.git
  mosip-crvs:crvsSystems:
    - partnerId: opencrvs-partner
      organisationName: Office of the Registrar General
      contact: { email: ops@registrar.example.org, phone: "+212537000000", address: Rabat }
      identifier: UIN
      sharedAttributes: [fullName]
      callbacks: { credentialIssued: "https://crvs.example.org/cb" }
  mosip-crvs:registrationOfices: []
  mosip-crvs:adapter:
    image: registry.example.org/crvs/mosip-api:1.9.2
  mosip-crvs:mosipClientSecret:
    secure: ${SECURE}
  mosip-crvs:keycloakAdminPassword: ${PLAIN_SECRET}
`;

describe("check-config on the committed stack files", () => {
  test.concurrent("Pulumi.dev.yaml: exit 0 and a one-line summary", async () => {
    const r = await run(["--file", "Pulumi.dev.yaml"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      "OK Pulumi.dev.yaml: stack dev is valid; environment production; MOSIP 1.2.0.1; " +
        "2 CRVS systems (opencrvs-partner, health-birth-notifier); 1 registration office; " +
        "adapter registry.example.org/crvs/mosip-api:1.9.2 x2; credentials to supply at deploy " +
        "time: mosip-crvs:mosipClientSecret or MOSIP_CLIENT_SECRET, " +
        "mosip-crvs:keycloakAdminPassword or KEYCLOAK_ADMIN_PASSWORD, " +
        "mosip-crvs:configRepoToken or CONFIG_REPO_TOKEN\n",
    );
  });

  test.concurrent(
    "Pulumi.local.yaml: exit 0, summary, and its test credentials not printed",
    async () => {
      const r = await run(["--file", "Pulumi.local.yaml"]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(
        "OK Pulumi.local.yaml: stack local is valid; environment development; MOSIP 1.3; " +
          "1 CRVS system (opencrvs-partner); 1 registration office; adapter not deployed\n",
      );
      expect(r.stdout + r.stderr).not.toMatch(
        /sandbox-(deployment-secret|admin-password|config-repo-token)/,
      );
    },
  );

  test.concurrent(
    "--require-secrets: the dev file needs its credentials from somewhere",
    async () => {
      const missing = await run(["--file", "Pulumi.dev.yaml", "--require-secrets"]);
      expect(missing.code).toBe(1);
      expect(missing.stdout).toBe(
        [
          "FAIL Pulumi.dev.yaml: 3 problems in stack dev:",
          "  - mosip-crvs:mosipClientSecret: is missing (set it with `pulumi config set --secret mosip-crvs:mosipClientSecret <value>` or in the environment variable MOSIP_CLIENT_SECRET)",
          "  - mosip-crvs:keycloakAdminPassword: is missing (set it with `pulumi config set --secret mosip-crvs:keycloakAdminPassword <value>` or in the environment variable KEYCLOAK_ADMIN_PASSWORD)",
          "  - mosip-crvs:configRepoToken: is missing (set it with `pulumi config set --secret mosip-crvs:configRepoToken <value>` or in the environment variable CONFIG_REPO_TOKEN)",
          "",
        ].join("\n"),
      );
      const env = cleanEnv({
        MOSIP_CLIENT_SECRET: "env-secret-value-1",
        KEYCLOAK_ADMIN_PASSWORD: "env-secret-value-2",
        CONFIG_REPO_TOKEN: "env-secret-value-3",
      });
      const present = await run(["--file", "Pulumi.dev.yaml", "--require-secrets"], env);
      expect(present.code).toBe(0);
      expect(present.stdout).toMatch(
        /^OK Pulumi\.dev\.yaml: stack dev is valid; .*adapter [^;]+ x2\n$/,
      );
      expect(present.stdout).not.toContain("env-secret-value");
    },
  );
});

describe("check-config on a broken stack file", () => {
  test.concurrent(
    "exit 1 with every problem, the unknown key included, no secret printed",
    async () => {
      const file = join(dir, "Pulumi.prod.yaml");
      writeFileSync(file, BROKEN);
      const r = await run(["--file", file]);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe(
        [
          `FAIL ${file}: 4 problems in stack prod:`,
          "  - mosip-crvs:crvsSystems[0].identifier: UIN sharing needs legallyMandated: true next to it (set legallyMandated: true only where a law requires sharing the UIN; otherwise use PSUT, VID or PSUT+VID)",
          "  - mosip-crvs:registrationOffices: is required (expected array)",
          "  - mosip-crvs:registrationOfices: unknown config key (did you mean registrationOffices? known keys: environment, mosip, keycloak, websub, configServer, crvsSystems, registrationOffices, adapter, tls, mosipClientSecret, keycloakAdminPassword, configRepoToken)",
          "  - mosip-crvs:keycloakAdminPassword: is stored in plain text in the stack file (encrypt it: pulumi config set --secret mosip-crvs:keycloakAdminPassword <value>, or remove it and set KEYCLOAK_ADMIN_PASSWORD; plain text is only accepted in a development stack)",
          "",
        ].join("\n"),
      );
      expect(r.stdout + r.stderr).not.toContain(PLAIN_SECRET);
      expect(r.stdout + r.stderr).not.toContain(SECURE);
    },
  );

  test.concurrent("--json gives machines the same problems", async () => {
    const file = join(dir, "Pulumi.json-case.yaml");
    writeFileSync(file, BROKEN);
    const r = await run(["--file", file, "--json"]);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as {
      ok: boolean;
      stack: string;
      problems: Array<{ path: string; message: string }>;
    };
    expect(out.ok).toBe(false);
    expect(out.stack).toBe("json-case");
    expect(out.problems.map((p) => p.path)).toEqual([
      "mosip-crvs:crvsSystems[0].identifier",
      "mosip-crvs:registrationOffices",
      "mosip-crvs:registrationOfices",
      "mosip-crvs:keycloakAdminPassword",
    ]);
    expect(r.stdout).not.toContain(PLAIN_SECRET);
  });
});

describe("main (in-process)", () => {
  function capture(argv: string[]): { code: number; stdout: string; stderr: string } {
    let stdout = "";
    let stderr = "";
    const out = process.stdout.write.bind(process.stdout);
    const err = process.stderr.write.bind(process.stderr);
    process.stdout.write = ((c: string) => ((stdout += c), true)) as typeof process.stdout.write;
    process.stderr.write = ((c: string) => ((stderr += c), true)) as typeof process.stderr.write;
    try {
      return { code: main(argv), stdout, stderr };
    } finally {
      process.stdout.write = out;
      process.stderr.write = err;
    }
  }

  test("usage errors exit 2", () => {
    const none = capture([]);
    expect(none).toMatchObject({ code: 2, stdout: "" });
    expect(none.stderr).toBe(
      "--file is required\nusage: npm run check-config -- --file Pulumi.<stack>.yaml [--json] [--require-secrets]\n",
    );
    const bogus = capture(["--file", "Pulumi.dev.yaml", "--fast"]);
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toMatch(/^Unknown option '--fast'/);
  });

  test("an unreadable file is a problem: exit 1", () => {
    const file = join(dir, "Pulumi.nope.yaml");
    expect(capture(["--file", file])).toEqual({
      code: 1,
      stdout: `FAIL ${file}: 1 problem in stack nope:\n  - ${file}: cannot read the file: ENOENT (a Pulumi.<stack>.yaml path)\n`,
      stderr: "",
    });
  });
});

describe("checkStackFile (in-process)", () => {
  test.each([
    [
      "YAML syntax errors",
      "config:\n  mosip-crvs:environment: [production\n",
      /^is not valid YAML: .+ \(fix the syntax\)$/,
    ],
    ["a file without config:", "secretsprovider: passphrase\n", /^has no config: map/],
    [
      "duplicate YAML keys",
      "config:\n  mosip-crvs:environment: production\n  mosip-crvs:environment: development\n",
      /^is not valid YAML: Map keys must be unique/,
    ],
  ])("%s are problems", (_name, text, message) => {
    const file = join(dir, `Pulumi.case${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, text);
    const r = checkStackFile(file, { env: {} });
    expect(r.ok).toBe(false);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0].path).toBe(file);
    expect(r.problems[0].message).toMatch(message);
  });

  test("a key given with and without the namespace is reported once as a conflict", () => {
    const file = join(dir, "Pulumi.dup.yaml");
    writeFileSync(
      file,
      "config:\n  environment: development\n  mosip-crvs:environment: production\n",
    );
    const r = checkStackFile(file, { env: {} });
    expect(r.problems[0]).toEqual({
      path: "mosip-crvs:environment",
      message: "is set twice (as environment and mosip-crvs:environment; keep one)",
    });
  });

  test("a config too big for the one environment variable the CLI passes it in is refused, saying how many offices fit", () => {
    const local = parse(readFileSync(join(ROOT, "Pulumi.local.yaml"), "utf8")) as {
      config: Record<string, unknown>;
    };
    const [office] = local.config["mosip-crvs:registrationOffices"] as Array<{
      centre: { localized: Record<string, { name: string }> };
      machine: { name: string };
      officer: { username: string };
    }>;
    const withOffices = (n: number) => {
      const file = join(dir, `Pulumi.offices${n}.yaml`);
      const offices = Array.from({ length: n }, (_, i) => {
        const o = structuredClone(office);
        for (const t of Object.values(o.centre.localized)) t.name = `${t.name} ${i + 1}`;
        o.machine.name = `${o.machine.name}-${i + 1}`;
        o.officer.username = `${o.officer.username}-${i + 1}`;
        return o;
      });
      writeFileSync(
        file,
        stringify({
          ...local,
          config: { ...local.config, "mosip-crvs:registrationOffices": offices },
        }),
      );
      return checkStackFile(file, { env: {} });
    };
    expect(withOffices(100).problems).toEqual([]);
    const big = withOffices(400);
    expect(big.ok).toBe(false);
    expect(big.problems).toHaveLength(1);
    expect(big.problems[0].message).toMatch(
      /^holds \d+ KiB of config as the Pulumi CLI passes it to the program, in one environment variable \(PULUMI_CONFIG\) that Linux limits to 128 KiB: pulumi up would fail with "argument list too long" \(pulumi\/pulumi#8680\)\. Split the 400 registration offices across stacks \(e\.g\. one per region; about (\d+) offices like these fit in this one\)$/,
    );
    const fit = Number(/about (\d+) offices/.exec(big.problems[0].message)![1]);
    expect(fit).toBeGreaterThan(100);
    expect(fit).toBeLessThan(400);
    // The estimate holds: that many offices pass, a few more do not.
    expect(withOffices(fit).ok).toBe(true);
    expect(withOffices(fit + 10).ok).toBe(false);
  });

  test("a CA bundle file is read relative to the stack file", () => {
    const file = join(dir, "Pulumi.ca.yaml");
    const local = checkStackFile(join(ROOT, "Pulumi.local.yaml"), { env: {} });
    expect(local.ok).toBe(true);
    writeFileSync(
      file,
      readFileSync(join(ROOT, "Pulumi.local.yaml"), "utf8").replace(
        "config:\n",
        "config:\n  mosip-crvs:tls: { caBundleFile: missing-ca.pem }\n",
      ),
    );
    const r = checkStackFile(file, { env: {} });
    expect(r.problems).toEqual([
      {
        path: "mosip-crvs:tls.caBundleFile",
        message:
          "cannot read missing-ca.pem (a readable PEM file, relative to the project directory)",
      },
    ]);
  });
});
