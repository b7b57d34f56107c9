// The MOSIP client as `pulumi up` runs it: a provider that uses it is serialized by Pulumi's closure
// serializer (CommonJS, ts-node, in a child process) and run by the SDK's dynamic-provider host
// against the fake MOSIP. The serializer turns classes into functions and drops class field
// initializers, so this is where a client that passes its unit tests can still break.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  findLeaks,
  serializeResourceProvider,
  startProviderHost,
  urnFor,
  type ProviderHost,
  type SerializedProvider,
} from "../provider-host/harness";
import { CLIENT_ID, FakeMosip, issued, SECRET_KEY } from "./fake-mosip";

let mosip: FakeMosip;
let base: string;
let provider: SerializedProvider;
let host: ProviderHost;

beforeAll(async () => {
  mosip = new FakeMosip();
  base = await mosip.start();
  provider = await serializeResourceProvider(
    "test/mosip/fixtures/client-provider.ts",
    "clientProvider",
  );
  host = await startProviderHost({
    env: { FAKE_MOSIP_CLIENT_ID: CLIENT_ID, FAKE_MOSIP_SECRET: SECRET_KEY },
  });
}, 120_000);
afterAll(async () => {
  await host?.close();
  await mosip?.stop();
});

describe("the client inside the dynamic-provider host", () => {
  test("serializes as require() of undici and cockatiel, compactly, with no credential inside", () => {
    expect(provider.text).toMatch(/require\("undici[^"]*"\)/);
    expect(provider.text).toMatch(/require\("cockatiel[^"]*"\)/);
    expect(findLeaks(provider.text, [SECRET_KEY])).toEqual([]);
    // The client copied by value, as Pulumi serializes it when nothing is bundled: a guard against it
    // growing unnoticed (client, errors and redact ~33 KB; this fixture ~3 KB). MOSIP resources do
    // not store this: they store a reference to the bundled providers (< 16 KB each, dynamic.test.ts).
    expect(provider.size).toBeLessThan(38_000);
  });

  test("works and fails with typed, readable errors after serialization", async () => {
    const { properties } = await host.create(provider, urnFor("test:index:Client", "c"), {
      apiBaseUrl: base,
    });
    const r = properties.results as Record<string, Record<string, unknown>>;
    expect(r.zones).toMatchObject({ ok: true, value: { zones: [{ code: "NTH" }] } });
    expect(r.esignet).toMatchObject({ ok: true, value: { clientId: "c1" } });
    const common = { ok: false, isError: true, isMosipError: true, stackStartsWithName: true };
    expect(r.apiError).toMatchObject({
      ...common,
      kind: "MosipApiError",
      name: "MosipApiError",
      errorCode: "PMS_PRT_005",
      status: 200,
    });
    expect(r.apiError!.message).toContain("Partner already registered");
    expect((r.apiError!.errors as unknown[]).length).toBe(2);
    expect(properties.results).toMatchObject({ apiErrorCode: true });
    expect(r.nullPacket).toMatchObject({
      ...common,
      kind: "MosipApiError",
      errorCode: "MOSIP-NULL-RESPONSE",
    });
    expect(r.notFound).toMatchObject({
      ...common,
      kind: "MosipHttpError",
      name: "MosipHttpError",
      status: 404,
    });
    expect(r.notFound!.message).toContain(`GET ${base}/v1/nowhere answered HTTP 404`);
    expect(r.hubDenied).toMatchObject({ ...common, kind: "MosipHubError", status: 200 });
    expect(r.hubDenied!.message).toContain("Topic has already registered with the Hub");
    expect(r.plainHttp).toMatchObject({
      ...common,
      kind: "MosipConfigError",
      name: "MosipConfigError",
    });
    expect(r.plainHttp!.message).toContain("mosip.allowInsecureHttp");
    const lines = properties.lines as string[];
    expect(lines.some((l) => /GET .*\/v1\/masterdata\/zones -> 200/.test(l))).toBe(true);
    const text = JSON.stringify(properties);
    expect(findLeaks(text, [SECRET_KEY, ...issued])).toEqual([]);
  });
});
