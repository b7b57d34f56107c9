// GeneratedSecret: the provider's own behaviour (length, alphabet, randomness, replace-only-on-
// rotation), how small its serialized text is and that it carries nothing local, and that the
// resource declares its value a secret output.
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { GeneratedSecret, generatedSecretProvider as p } from "../../components/generated-secret";

describe("GeneratedSecret provider", () => {
  it("makes a base64url value of the asked length, different every time", async () => {
    const values = new Set<string>();
    for (const length of [16, 32, 33, 100]) {
      const r = await p.create({ length, rotation: "1" });
      const v = r.outs!.value as string;
      expect(v).toHaveLength(length);
      expect(v).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(r.outs).toMatchObject({ length, rotation: "1" });
      values.add(v);
    }
    const a = await p.create({ length: 32, rotation: "1" });
    const b = await p.create({ length: 32, rotation: "1" });
    expect(a.outs!.value).not.toBe(b.outs!.value);
    expect(a.id).not.toBe(b.id);
    expect(values.size).toBe(4);
  });

  it("refuses lengths outside 16..512 and non-integers", async () => {
    for (const length of [15, 513, 20.5, "32"]) {
      const r = await p.check!({}, { length, rotation: "1" });
      expect(r.failures?.[0]?.property, String(length)).toBe("length");
    }
    expect((await p.check!({}, { length: 16, rotation: "1" })).failures).toBeUndefined();
  });

  it("is replaced only when rotation or length changes", async () => {
    const olds = { length: 32, rotation: "1", value: "x".repeat(32) };
    expect(await p.diff!("id", olds, { length: 32, rotation: "1" })).toMatchObject({
      changes: false,
      replaces: [],
    });
    expect(await p.diff!("id", olds, { length: 32, rotation: "2026-11" })).toMatchObject({
      changes: true,
      replaces: ["rotation"],
    });
    expect(await p.diff!("id", olds, { length: 48, rotation: "1" })).toMatchObject({
      changes: true,
      replaces: ["length"],
    });
  });

  it("serializes to a small text with no local module in it", async () => {
    const s = await pulumi.runtime.serializeFunction(() => p, { allowSecrets: false });
    expect(s.text.length).toBeLessThan(4000);
    expect(s.text).toContain('require("node:crypto")');
    expect(s.text).not.toMatch(/components\/|\.\/generated-secret/);
  });
});

describe("GeneratedSecret resource", () => {
  it("registers its value as a secret output, with length 32 and rotation 1 by default", async () => {
    pulumi.runtime.setMocks(
      {
        newResource: (a) => ({ id: "x", state: { ...a.inputs, value: "mock-generated-value" } }),
        call: () => ({}),
      },
      "mosip-crvs",
      "test",
      false,
    );
    // The mock monitor drops additionalSecretOutputs before newResource: read the request.
    const requests: { type: string; secretOutputs: string[] }[] = [];
    const monitor = pulumi.runtime.getMonitor() as unknown as {
      registerResource(
        req: { getType(): string; getAdditionalsecretoutputsList(): string[] },
        cb: unknown,
      ): unknown;
    };
    const original = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, cb) => {
      requests.push({ type: req.getType(), secretOutputs: req.getAdditionalsecretoutputsList() });
      return original(req, cb);
    };
    const s = new GeneratedSecret("pw");
    const [length, rotation] = await new Promise<[number, string]>((r) =>
      pulumi.all([s.length, s.rotation]).apply(r),
    );
    expect([length, rotation]).toEqual([32, "1"]);
    expect(requests).toEqual([
      { type: "pulumi-nodejs:dynamic/secret:GeneratedSecret", secretOutputs: ["value"] },
    ]);
  });
});
