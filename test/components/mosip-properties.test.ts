// The MOSIP config the CRVS flows need: the pure declaration per release (exact keys and values,
// from the contract's §1.4.3, §3, §9, §10, §12.2) and the component under pulumi.runtime.setMocks
// (one ConfigProperties per file carrying exactly the declared keys, change hashes per file).
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it, test, vi } from "vitest";
import { readFileSync } from "node:fs";
import { MOSIP_RELEASES, type MosipRelease } from "../../components/config";
import type { KeyCondition } from "../../components/mosip/properties-edit";

// The real ConfigProperties provider cannot be closure-serialized inside vitest (its transform of
// zod's module leaves `navigator` unresolved for Pulumi's serializer); the ts-node path `pulumi up`
// uses is covered by test/mosip/config-properties.test.ts. Here a stand-in with the same
// registered type, constructor signature and `changeHash` output replaces it, so what is asserted
// is what the component hands to ConfigProperties.
vi.mock("../../components/mosip/config-properties", async () => {
  const p = await import("@pulumi/pulumi");
  class ConfigProperties extends p.dynamic.Resource {
    declare readonly changeHash: pulumi.Output<string>;
    constructor(name: string, args: Record<string, unknown>, opts?: pulumi.CustomResourceOptions) {
      const provider = { create: async () => ({ id: name, outs: {} }) };
      super(provider, name, { ...args, changeHash: undefined }, opts, "mosip", "ConfigProperties");
    }
  }
  return { ConfigProperties };
});

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}
const registered: Registered[] = [];

pulumi.runtime.setMocks(
  {
    newResource(args) {
      registered.push({ type: args.type, name: args.name, inputs: args.inputs });
      const state: Record<string, unknown> = { ...args.inputs };
      if (args.type === "pulumi-nodejs:dynamic/mosip:ConfigProperties")
        state.changeHash = `hash-of-${args.inputs.file as string}`;
      return { id: `${args.name}-id`, state };
    },
    call(args) {
      throw new Error(`Mock not implemented: ${args.token}`);
    },
  },
  "mosip-crvs",
  "dev",
  false,
);

let mod: typeof import("../../components/mosip-properties.js");
beforeAll(async () => {
  mod = await import("../../components/mosip-properties.js");
});

const unwrap = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));

const systems = [{ partnerId: "opencrvs-b" }, { partnerId: "opencrvs-a", source: "OPENCRVS" }];

const common = {
  "application-default.properties": {
    "provider.packetwriter.crvsopencrvs": {
      equals:
        "source:OPENCRVS,process:CRVS_NEW|CRVS_DEATH,classname:io.mosip.commons.packet.impl.PacketWriterImpl",
    },
    "provider.packetreader.crvsopencrvs": {
      equals:
        "source:OPENCRVS,process:CRVS_NEW|CRVS_DEATH,classname:io.mosip.commons.packet.impl.PacketReaderImpl",
    },
    "packetmanager.default.priority": {
      contains: ["source:OPENCRVS/process:CRVS_NEW|CRVS_DEATH"],
    },
    "mosip.kernel.idobjectvalidator.mandatory-attributes.reg-processor.crvs_new": {
      contains: ["IDSchemaVersion"],
    },
    "mosip.kernel.idobjectvalidator.mandatory-attributes.reg-processor.crvs_death": {
      contains: ["IDSchemaVersion", "UIN"],
    },
  },
  "packet-manager-default.properties": {
    "auth.server.admin.allowed.audience": { contains: ["opencrvs-a", "opencrvs-b"] },
    "mosip.role.commons-packet.putcreatepacket": { contains: ["ONLINE_REGISTRATION_CLIENT"] },
  },
};

const newerRegproc = {
  "auth.server.admin.allowed.audience": { contains: ["opencrvs-a", "opencrvs-b"] },
  "registration.processor.additional-process.category-mapping": {
    equals: "{'CRVS_NEW':'NEW','CRVS_DEATH':'UPDATE'}",
  },
  "registration.processor.main-processes": { contains: ["NEW", "UPDATE"] },
  "mosip.regproc.cmd-validator.center-validation.processes": {
    contains: ["CRVS_NEW", "CRVS_DEATH"],
  },
  "mosip.regproc.cmd-validator.machine-validation.processes": {
    contains: ["CRVS_NEW", "CRVS_DEATH"],
  },
  "mosip.regproc.cmd-validator.device-validation.processes": {
    contains: ["CRVS_NEW", "CRVS_DEATH"],
  },
  "mosip.regproc.workflow-manager.instance.api-id": {
    equals: "mosip.registration.processor.workflow.instance",
  },
  "mosip.regproc.workflow-manager.instance.version": { equals: "v1" },
};

const expected: Record<MosipRelease, Record<string, Record<string, KeyCondition>>> = {
  "1.2.0.1": {
    ...common,
    "partner-management-default.properties": {
      "pmp.allowed.credential.types": { contains: ["opencrvs"] },
    },
    "registration-processor-default.properties": {
      "auth.server.admin.allowed.audience": { contains: ["opencrvs-a", "opencrvs-b"] },
      "registration.processor.main-processes": { contains: ["CRVS_NEW", "CRVS_DEATH"] },
    },
  },
  "1.2.1": {
    ...common,
    "partner-management-default.properties": {
      "pmp.allowed.credential.types": { contains: ["vercred"] },
    },
    "registration-processor-default.properties": newerRegproc,
  },
  "1.3": {
    ...common,
    "partner-management-default.properties": {
      "pmp.allowed.credential.types": { contains: ["vercred"] },
    },
    "registration-processor-default.properties": newerRegproc,
  },
};

describe("declaredProperties", () => {
  test.each(Object.entries(expected) as [MosipRelease, (typeof expected)[MosipRelease]][])(
    "release %s: exactly the declared files, keys and values",
    (release, want) => {
      expect(mod.declaredProperties(release, systems)).toEqual(want);
    },
  );

  test.each(["1.2.0.1", "1.2.1", "1.3"] as MosipRelease[])(
    "release %s: the audience lists gain every partner id as `contains`, never `equals`",
    (release) => {
      const d = mod.declaredProperties(release, [{ partnerId: "x-crvs" }, { partnerId: "y-crvs" }]);
      for (const f of [
        "packet-manager-default.properties",
        "registration-processor-default.properties",
      ])
        expect(d[f]!["auth.server.admin.allowed.audience"]).toEqual({
          contains: ["x-crvs", "y-crvs"],
        });
      for (const keys of Object.values(d))
        for (const [k, c] of Object.entries(keys))
          if (k.startsWith("auth.server.admin.allowed.audience")) expect("equals" in c).toBe(false);
    },
  );

  test.each(
    (["1.2.0.1", "1.2.1", "1.3"] as MosipRelease[]).flatMap((r) =>
      ["packetwriter", "packetreader"].flatMap((kind) =>
        ["CRVS_NEW", "CRVS_DEATH"].map((p) => [r, kind, p] as const),
      ),
    ),
  )("release %s: a %s provider serves (OPENCRVS, %s)", (release, kind, process) => {
    const app = mod.declaredProperties(release, systems)["application-default.properties"]!;
    const entries = Object.entries(app)
      .filter(([k]) => k.startsWith(`provider.${kind}.`))
      .map(([, c]) => ("equals" in c ? c.equals : ""));
    expect(entries.some((e) => mod.providerCovers(e, "OPENCRVS", process))).toBe(true);
  });

  it("applies MOSIP's substring rule: 1.2.0.1's own entry serves CRVS_NEW but not CRVS_DEATH", () => {
    const shipped =
      "source:OPENCRVS,process:OPENCRVS_NEW,classname:io.mosip.commons.packet.impl.PacketWriterImpl";
    expect(mod.providerCovers(shipped, "OPENCRVS", "CRVS_NEW")).toBe(true);
    expect(mod.providerCovers(shipped, "OPENCRVS", "CRVS_DEATH")).toBe(false);
    expect(
      mod.providerCovers("source:CRVS1,process:CRVS_NEW|CRVS_DEATH", "OPENCRVS", "CRVS_DEATH"),
    ).toBe(false);
    expect(
      mod.providerCovers("source:OPENCRVS,process:CRVS_DEATH", "opencrvs", "CRVS_DEATH_2"),
    ).toBe(true);
  });

  it("adds a provider and a priority entry per distinct source, and a chosen credential type", () => {
    const d = mod.declaredProperties(
      "1.3",
      [
        { partnerId: "p1", source: "CRVS1" },
        { partnerId: "p2", source: "crvs1" },
      ],
      { credentialType: "opencrvs" },
    );
    const app = d["application-default.properties"]!;
    expect(
      Object.keys(app)
        .filter((k) => k.startsWith("provider.packetwriter."))
        .sort(),
    ).toEqual(["provider.packetwriter.crvscrvs1", "provider.packetwriter.crvsopencrvs"]);
    expect(app["packetmanager.default.priority"]).toEqual({
      contains: [
        "source:CRVS1/process:CRVS_NEW|CRVS_DEATH",
        "source:OPENCRVS/process:CRVS_NEW|CRVS_DEATH",
      ],
    });
    expect(d["partner-management-default.properties"]).toEqual({
      "pmp.allowed.credential.types": { contains: ["opencrvs"] },
    });
  });

  it("is pure: the systems' order and repeated calls give the same declaration", () => {
    const a = mod.declaredProperties("1.2.1", systems);
    const b = mod.declaredProperties("1.2.1", [...systems].reverse());
    expect(b).toEqual(a);
    expect(systems).toEqual([
      { partnerId: "opencrvs-b" },
      { partnerId: "opencrvs-a", source: "OPENCRVS" },
    ]);
  });

  it("declares no audience key without systems", () => {
    const d = mod.declaredProperties("1.3", []);
    expect(d["packet-manager-default.properties"]).toEqual({
      "mosip.role.commons-packet.putcreatepacket": { contains: ["ONLINE_REGISTRATION_CLIENT"] },
    });
    expect(
      d["registration-processor-default.properties"]!["auth.server.admin.allowed.audience"],
    ).toBeUndefined();
  });
});

describe("MosipProperties under mocks", () => {
  let component: InstanceType<typeof mod.MosipProperties>;
  let hashes: Record<string, string>;

  beforeAll(async () => {
    component = new mod.MosipProperties("crvs-config", {
      release: "1.3",
      systems,
      stackName: "dev",
      consumers: { "partner-management-default.properties": ["pms/pms-partner", "pms/pms-policy"] },
    });
    hashes = await unwrap(pulumi.all(component.changeHashes));
  });

  const configs = () =>
    registered.filter((r) => r.type === "pulumi-nodejs:dynamic/mosip:ConfigProperties");

  it("registers the component and exactly one ConfigProperties per file, with the declared keys", () => {
    expect(registered.filter((r) => r.type === "mosip-crvs:config:MosipProperties")).toHaveLength(
      1,
    );
    const want = mod.declaredProperties("1.3", systems);
    expect(
      configs()
        .map((r) => r.name)
        .sort(),
    ).toEqual([
      "crvs-config-application-default",
      "crvs-config-packet-manager-default",
      "crvs-config-partner-management-default",
      "crvs-config-registration-processor-default",
    ]);
    for (const r of configs()) {
      const file = r.inputs.file as string;
      expect(r.inputs.keys).toEqual(want[file]);
      expect(r.inputs.stackName).toBe("dev");
      expect(r.inputs.__provider).toEqual(expect.any(String));
    }
    expect(
      configs()
        .map((r) => r.inputs.file)
        .sort(),
    ).toEqual(Object.keys(want).sort());
  });

  it("outputs each file's changeHash from its own ConfigProperties", () => {
    expect(hashes).toEqual({
      "application-default.properties": "hash-of-application-default.properties",
      "packet-manager-default.properties": "hash-of-packet-manager-default.properties",
      "partner-management-default.properties": "hash-of-partner-management-default.properties",
      "registration-processor-default.properties":
        "hash-of-registration-processor-default.properties",
    });
  });

  it("maps each file to its consumers: defaults, overridable per file", () => {
    expect(component.consumers["packet-manager-default.properties"]).toEqual([
      "packetmanager/packetmanager",
    ]);
    expect(component.consumers["partner-management-default.properties"]).toEqual([
      "pms/pms-partner",
      "pms/pms-policy",
    ]);
    const regproc = component.consumers["registration-processor-default.properties"]!;
    expect(regproc).toContain("regproc/regproc-workflow");
    expect(regproc.every((d) => d.startsWith("regproc/"))).toBe(true);
    const all = component.consumers["application-default.properties"]!;
    expect(all).toEqual(
      expect.arrayContaining(["packetmanager/packetmanager", "pms/pms-partner", ...regproc]),
    );
    // The override changed the pms file only; application-default still uses the defaults.
    expect(all).not.toContain("pms/pms-policy");
  });
});

describe("README", () => {
  // The operator-facing list of managed properties must not fall behind the declaration.
  test("lists every key the stack declares, for every release, in the properties section", () => {
    const readme = readFileSync("README.md", "utf8");
    const start = readme.indexOf("## MOSIP config properties the stack manages");
    expect(start).toBeGreaterThan(0);
    const section = readme.slice(start, readme.indexOf("\n## ", start + 1));
    const missing: string[] = [];
    for (const release of MOSIP_RELEASES) {
      const declared = mod.declaredProperties(release, [
        { partnerId: "p" },
        { partnerId: "q", source: "CRVS1" },
      ]);
      for (const [file, keys] of Object.entries(declared)) {
        if (!section.includes(`\`${file}\``)) missing.push(file);
        for (const key of Object.keys(keys)) {
          // Per-source keys are listed once with a <source> placeholder; the CMD validator keys as
          // one {center,machine,device} row.
          const listed = key
            .replace(/^(provider\.packet(?:writer|reader)\.)crvs\w+$/, "$1crvs<source>")
            .replace(
              /cmd-validator\.(center|machine|device)-/,
              "cmd-validator.{center,machine,device}-",
            );
          if (!section.includes(`\`${listed}\``)) missing.push(`${release} ${file} ${key}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});
