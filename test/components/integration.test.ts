// Ladder step 3: the whole program under pulumi.runtime.setMocks with Pulumi.dev.yaml. Asserts
// the exact resources, their security-relevant inputs, secrets and dependency edges. What mocks
// cannot prove (that Keycloak accepts these payloads) is covered by test/harness/keycloak.test.ts.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  provider?: string;
}
const registered: Registered[] = [];
const invokes: { token: string; args: Record<string, unknown> }[] = [];

pulumi.runtime.setMocks(
  {
    newResource(args) {
      registered.push({
        type: args.type,
        name: args.name,
        inputs: args.inputs,
        provider: args.provider,
      });
      const state: Record<string, unknown> = { ...args.inputs };
      if (args.type === "keycloak:openid/client:Client") {
        state.serviceAccountUserId = `sa-${args.inputs.clientId as string}`;
        state.clientSecret = "mock-generated-client-secret";
      }
      return { id: `${args.name}-id`, state };
    },
    call(args) {
      invokes.push({ token: args.token, args: args.inputs });
      if (args.token === "keycloak:index/getRole:getRole") {
        return {
          id: `role-${args.inputs.name as string}`,
          name: args.inputs.name,
          realmId: args.inputs.realmId,
        };
      }
      throw new Error(`Mock not implemented: ${args.token}`);
    },
  },
  "mosip-crvs",
  "dev",
  false,
);

const stackFile = parse(readFileSync(join(__dirname, "../../Pulumi.dev.yaml"), "utf8")) as {
  config: Record<string, unknown>;
};
const secrets = {
  "mosip-crvs:mosipClientSecret": "dev-mock-client-secret",
  "mosip-crvs:keycloakAdminPassword": "dev-mock-admin-password",
  "mosip-crvs:configRepoToken": "dev-mock-repo-token",
};
pulumi.runtime.setAllConfig(
  {
    ...Object.fromEntries(
      Object.entries(stackFile.config).map(([k, v]) => [
        k,
        typeof v === "string" ? v : JSON.stringify(v),
      ]),
    ),
    ...secrets,
  },
  Object.keys(secrets),
);

const unwrap = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));
let program: typeof import("../../index.js");

beforeAll(async () => {
  program = await import("../../index.js");
  // Let every registration settle.
  await unwrap(pulumi.all(program.crvsSystems.map((s) => s.clientId)));
});

const byType = (t: string) => registered.filter((r) => r.type === t);

describe("the program under mocks (Pulumi.dev.yaml)", () => {
  it("registers one confidential client per CRVS system, client id = partner id, no browser flows", () => {
    const partnerIds = (stackFile.config["mosip-crvs:crvsSystems"] as { partnerId: string }[]).map(
      (s) => s.partnerId,
    );
    const clients = byType("keycloak:openid/client:Client");
    expect(clients.map((c) => c.inputs.clientId)).toEqual(partnerIds);
    for (const c of clients) {
      expect(c.inputs).toMatchObject({
        realmId: "mosip",
        accessType: "CONFIDENTIAL",
        serviceAccountsEnabled: true,
        standardFlowEnabled: false,
        directAccessGrantsEnabled: false,
      });
      expect(c.inputs.validRedirectUris).toBeUndefined();
    }
  });

  it("grants the service account exactly the integration's roles, none of MOSIP's admin roles", () => {
    const granted = byType(
      "keycloak:openid/clientServiceAccountRealmRole:ClientServiceAccountRealmRole",
    ).map((r) => r.inputs.role);
    const systems = (stackFile.config["mosip-crvs:crvsSystems"] as unknown[]).length;
    expect(granted.sort()).toEqual(
      Array(systems)
        .fill([
          "ONLINE_REGISTRATION_CLIENT",
          "PUBLISH_CREDENTIAL_STATUS_UPDATE_GENERAL",
          "SUBSCRIBE_CREDENTIAL_ISSUED_INDIVIDUAL",
        ])
        .flat()
        .sort(),
    );
    for (const r of byType(
      "keycloak:openid/clientServiceAccountRealmRole:ClientServiceAccountRealmRole",
    )) {
      expect(String(r.inputs.serviceAccountUserId)).toMatch(/^sa-/);
    }
  });

  it("adopts the roles MOSIP ships for the release and creates only the others", () => {
    const release = (stackFile.config["mosip-crvs:mosip"] as { release: string }).release;
    const looked = invokes
      .filter((i) => i.token === "keycloak:index/getRole:getRole")
      .map((i) => i.args.name);
    const created = byType("keycloak:index/role:Role").map((r) => r.inputs.name);
    expect(new Set(looked)).toEqual(
      new Set(
        release === "1.2.0.1"
          ? ["SUBSCRIBE_CREDENTIAL_ISSUED_INDIVIDUAL", "PUBLISH_CREDENTIAL_STATUS_UPDATE_GENERAL"]
          : [
              "SUBSCRIBE_CREDENTIAL_ISSUED_INDIVIDUAL",
              "PUBLISH_CREDENTIAL_STATUS_UPDATE_GENERAL",
              "ONLINE_REGISTRATION_CLIENT",
            ],
      ),
    );
    expect(created.every((n) => !looked.includes(n))).toBe(true);
  });

  it("uses one explicit Keycloak provider with the admin password as a secret", () => {
    const providers = byType("pulumi:providers:keycloak");
    expect(providers).toHaveLength(1);
    for (const r of registered.filter((x) => x.type.startsWith("keycloak:"))) {
      expect(r.provider).toContain("pulumi:providers:keycloak");
    }
  });

  it("exports client secrets only as secrets", async () => {
    for (const s of program.crvsSystems) {
      expect(await pulumi.isSecret(s.clientSecret)).toBe(true);
      expect(await unwrap(s.clientSecret)).toBe("mock-generated-client-secret");
    }
  });
});
