// The stack's own program passes the policy pack in production: index.ts runs under
// pulumi.runtime.setMocks with Pulumi.dev.yaml (a production stack), and the resources it
// registers, with their mocked outputs, are handed to the rules as the engine would hand them to the
// stack policies. Guards against rules that would block the real stack (false positives). The
// secrets rule is left out: mocks do not expose additionalSecretOutputs.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { beforeAll, expect, test } from "vitest";
import {
  checkAudienceMerged,
  checkClientIdIsPartnerId,
  checkRedirectUris,
  checkServiceAccountRoles,
  checkUinSharing,
  crvsSystemsOf,
  environmentOf,
  TYPES,
  type ResourceView,
} from "../../policy/rules";

const views: ResourceView[] = [];

pulumi.runtime.setMocks(
  {
    newResource(args) {
      const state: Record<string, unknown> = { ...args.inputs };
      if (args.type === TYPES.keycloakClient) {
        state.serviceAccountUserId = `sa-${args.inputs.clientId as string}`;
        state.clientSecret = "mock-generated-client-secret";
      }
      views.push({
        type: args.type,
        name: args.name,
        urn: `urn:pulumi:dev::mosip-crvs::${args.type}::${args.name}`,
        props: state,
      });
      return { id: `${args.name}-id`, state };
    },
    call(args) {
      if (args.token === "keycloak:index/getRole:getRole")
        return { id: `role-${args.inputs.name as string}`, name: args.inputs.name };
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
// What the CLI puts in PULUMI_CONFIG: `project:key` -> string, structured values as JSON text.
const pulumiConfig: Record<string, string> = Object.fromEntries(
  Object.entries(stackFile.config).map(([k, v]) => [
    k,
    typeof v === "string" ? v : JSON.stringify(v),
  ]),
);
const secrets = {
  "mosip-crvs:mosipClientSecret": "test-mock-client-secret",
  "mosip-crvs:keycloakAdminPassword": "test-mock-admin-password",
  "mosip-crvs:configRepoToken": "test-mock-repo-token",
};
pulumi.runtime.setAllConfig({ ...pulumiConfig, ...secrets }, Object.keys(secrets));

beforeAll(async () => {
  const program = await import("../../index.js");
  await new Promise((resolve) =>
    pulumi.all(program.crvsSystems.map((s) => s.clientId)).apply(resolve),
  );
  // Role mappings are registered after the client's serviceAccountUserId resolves.
  await new Promise((r) => setTimeout(r, 200));
});

test("the program's resources pass every rule the mocks can show, in production", () => {
  const env = environmentOf(pulumiConfig);
  const systems = crvsSystemsOf(pulumiConfig);
  expect(env).toBe("production");
  expect(systems.map((s) => s.partnerId)).toContain("opencrvs-partner");
  // The rules had something to judge: one client per CRVS system, three role mappings each.
  expect(views.filter((v) => v.type === TYPES.keycloakClient)).toHaveLength(systems.length);
  // (plus the packet-status subscription's role for each system with a packet-status callback).
  const packetStatus = (
    JSON.parse(pulumiConfig["mosip-crvs:crvsSystems"]) as { callbacks: { packetStatus?: string } }[]
  ).filter((s) => s.callbacks.packetStatus).length;
  expect(packetStatus).toBeGreaterThan(0);
  expect(views.filter((v) => v.type === TYPES.serviceAccountRealmRole)).toHaveLength(
    3 * systems.length + packetStatus,
  );

  expect(views.flatMap((v) => checkRedirectUris(v, env))).toEqual([]);
  expect(views.flatMap((v) => checkAudienceMerged(v))).toEqual([]);
  expect(checkUinSharing(views, systems)).toEqual([]);
  expect(checkServiceAccountRoles(views)).toEqual([]);
  expect(
    checkClientIdIsPartnerId(
      views,
      systems.map((s) => s.partnerId),
    ),
  ).toEqual([]);
});

test("the same resources fail the client-id rule against another partner id", () => {
  // The rule takes partner ids from Partner resources when there are any; without them it falls
  // back to the config's list, which is what this test varies.
  const v = checkClientIdIsPartnerId(
    views.filter((x) => x.type !== TYPES.partner),
    ["some-other-partner"],
  );
  const clients = views.filter((x) => x.type === TYPES.keycloakClient);
  expect(v.map((x) => x.urn)).toEqual(clients.map((c) => c.urn));
  expect(v[0].message).toContain("is not a partner id");
  expect(v[0].message).toContain("some-other-partner");
});
