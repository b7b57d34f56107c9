// IdSchemaRequirement through the path `pulumi up` uses (closure serializer + the SDK's
// dynamic-provider host over gRPC) against the sandbox's masterdata `idschema/latest`.
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { DEFAULT_CRVS_FIELD_MAPPING } from "../../components/config";
import {
  findLeaks,
  ProviderHostError,
  serializeResourceProviders,
  startProviderHost,
  stripProvider,
  urnFor,
  type ProviderHost,
  type Props,
  type SerializedProvider,
} from "../provider-host/harness";
import { startSandbox, type Sandbox } from "../sandbox/server";

vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

const TYPE = "pulumi-nodejs:dynamic/mosip:IdSchemaRequirement";
const REV = "1.1";

let sandbox: Sandbox;
let secret: string;
let provider: SerializedProvider;
let host: ProviderHost;

const mandatory = DEFAULT_CRVS_FIELD_MAPPING.filter((m) => m.mandatory).map((m) => ({
  crvsField: m.crvsField,
  idSchemaField: m.idSchemaField,
}));
const sorted = [...mandatory].sort((a, b) => a.idSchemaField.localeCompare(b.idSchemaField));
const inputs = {
  partnerId: "opencrvs-partner",
  fields: mandatory,
  configKey: "mosip-crvs:crvsSystems[0].fieldMapping",
};

async function publishSchema(body: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${sandbox.url}/__sandbox/masterdata/idschema`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
}

/** Requests this resource sent to MOSIP other than reads and logins. */
const writesSince = (n: number) =>
  sandbox.requests
    .slice(n)
    .filter((r) => r.method !== "GET" && !r.path.includes("/authmanager/"))
    .map((r) => `${r.method} ${r.path}`);

beforeAll(async () => {
  sandbox = await startSandbox();
  secret = sandbox.context.options.adminClientSecret;
  [provider] = await serializeResourceProviders([
    {
      module: "components/mosip/id-schema-requirement.ts",
      export: "IdSchemaRequirement",
      args: { partnerId: "serialized", fields: [{ crvsField: "a", idSchemaField: "fullName" }] },
    },
  ]);
  host = await startProviderHost({
    config: {
      "mosip-crvs:mosip": { apiBaseUrl: sandbox.url, clientId: "mosip-deployment-client" },
      "mosip-crvs:mosipClientSecret": secret,
    },
    secretKeys: ["mosip-crvs:mosipClientSecret"],
  });
});

afterAll(async () => {
  await host?.close();
  await sandbox?.close();
});

describe("IdSchemaRequirement through the provider host", () => {
  const urn = urnFor(TYPE, "opencrvs-partner-idschema");
  let state: Props;

  test("the class registers its own type token and the provider carries no credential", () => {
    expect(provider.type).toBe(TYPE);
    expect(findLeaks(provider.text, [secret])).toEqual([]);
  });

  test("check sorts the fields (order is no change) and names bad ones", async () => {
    const r = await host.check(provider, urn, {}, { ...inputs, fields: [...mandatory].reverse() });
    expect(r.failures).toEqual([]);
    expect(stripProvider(r.inputs).fields).toEqual(sorted);
    const bad = await host.check(provider, urn, {}, { partnerId: "p", fields: [] });
    expect(bad.failures).toEqual([
      {
        property: "fields",
        reason: "fields: fields is empty: mark at least one mapped field mandatory",
      },
    ]);
  });

  test("create with every field published succeeds and writes nothing to MOSIP", async () => {
    const before = sandbox.requests.length;
    const checked = stripProvider((await host.check(provider, urn, {}, inputs)).inputs);
    const created = await host.create(provider, urn, checked);
    state = stripProvider(created.properties);
    expect(created.id).toBe("opencrvs-partner-idschema");
    expect(state).toEqual({
      ...inputs,
      fields: sorted,
      idSchemaId: expect.any(String),
      idSchemaVersion: 0.2,
      revision: REV,
    });
    expect(writesSince(before)).toEqual([]);
    expect(sandbox.requests.slice(before).map((r) => r.path)).toContain(
      "/v1/masterdata/idschema/latest",
    );
  });

  test("a field removed from the schema later is drift seen by read, and the next up replaces (re-checks)", async () => {
    await publishSchema({ removeFields: ["zone"] });
    try {
      const r = await host.read(provider, "opencrvs-partner-idschema", urn, state);
      expect(r.id).toBe("opencrvs-partner-idschema");
      expect((r.inputs!.fields as { idSchemaField: string }[]).map((f) => f.idSchemaField)).toEqual(
        sorted.map((f) => f.idSchemaField).filter((f) => f !== "zone"),
      );
      const d = await host.diff(
        provider,
        "opencrvs-partner-idschema",
        urn,
        stripProvider(r.inputs!),
        {
          ...inputs,
          fields: sorted,
          revision: REV,
        },
      );
      expect(d.changes).toBe("some");
      expect(d.replaces).toEqual(["fields"]);
    } finally {
      await publishSchema({ removeFields: [] });
    }
  });

  test("missing mandatory fields fail create with the list, the config key and the fix, and nothing is written", async () => {
    await publishSchema({ removeFields: ["province", "zone"] });
    try {
      const before = sandbox.requests.length;
      const err = (await host
        .create(provider, urn, { ...inputs, fields: sorted, revision: REV })
        .catch((e) => e)) as ProviderHostError;
      expect(err).toBeInstanceOf(ProviderHostError);
      expect(err.details).toMatch(
        /^IdSchemaRequirement ID-schema requirement of "opencrvs-partner": create failed: /,
      );
      expect(err.details).toContain("has no field for 2 mandatory CRVS fields");
      expect(err.details).toContain("child.address.province -> province");
      expect(err.details).toContain("child.address.zone -> zone");
      expect(err.details).not.toContain("child.name -> fullName");
      expect(err.details).toContain("correct mosip-crvs:crvsSystems[0].fieldMapping");
      expect(err.details).toContain("admin portal > ID Schema");
      expect(findLeaks(err.details, [secret])).toEqual([]);
      expect(writesSince(before)).toEqual([]);
    } finally {
      await publishSchema({ removeFields: [] });
    }
  });

  test("no published schema at all is named as such (KER-SCH-008)", async () => {
    await publishSchema({ schema: null });
    try {
      const err = (await host
        .create(provider, urn, { ...inputs, fields: sorted, revision: REV })
        .catch((e) => e)) as ProviderHostError;
      expect(err.details).toContain("MOSIP has no published ID schema");
      expect(err.details).toContain("KER-SCH-008");
      // Refresh does not lose the resource: it shows every field as missing.
      const r = await host.read(provider, "opencrvs-partner-idschema", urn, state);
      expect(r.inputs!.fields).toEqual([]);
    } finally {
      await publishSchema({ removeFields: [] });
    }
  });

  test("delete writes nothing", async () => {
    const before = sandbox.requests.length;
    await host.delete(provider, "opencrvs-partner-idschema", urn, state);
    expect(sandbox.requests.length).toBe(before);
  });
});
