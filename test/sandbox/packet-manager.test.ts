// Packet manager createPacket over HTTP (contract §9): provider resolution by case-insensitive
// substring, KER-PUT-006, the `response: null` quirk, PacketInfo, and the auth adapter's audience
// and role checks driven by the config repo.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  adminToken,
  authToken,
  clientToken,
  pushConfig,
  setProperties,
} from "./credential-fixtures";
import { seededSecret } from "./keycloak";
import type { StoredPacket } from "./packet-manager";
import { startSandbox, type Sandbox } from "./server";

let sandbox: Sandbox;
let regprocToken: string;

beforeAll(async () => {
  sandbox = await startSandbox();
  regprocToken = await authToken(
    sandbox,
    "mosip-regproc-client",
    seededSecret("mosip-regproc-client"),
  );
});
afterAll(async () => {
  await sandbox?.close();
});

let seq = 0;
function packet(over: Record<string, unknown> = {}): Record<string, unknown> {
  seq += 1;
  return {
    id: `1000110004${String(seq).padStart(6, "0")}`,
    refId: "10001_10004",
    offlineMode: false,
    process: "OPENCRVS_NEW",
    source: "OPENCRVS",
    schemaVersion: "0.100",
    schemaJson: JSON.stringify({
      $schema: "http://json-schema.org/draft-07/schema#",
      type: "object",
    }),
    fields: {
      fullName: JSON.stringify([{ language: "eng", value: "Sandbox Child" }]),
      dateOfBirth: "2026/11/01",
      gender: JSON.stringify([{ language: "eng", value: "Female" }]),
    },
    metaInfo: {
      metaData: JSON.stringify([{ label: "opencrvsBRN", value: "BRN-1" }]),
      registrationId: "x",
    },
    audits: [],
    documents: {},
    ...over,
  };
}

async function createPacket(
  request: unknown,
  cookie: string | null = `Authorization=${regprocToken}`,
  headers: Record<string, string> = {},
) {
  const res = await fetch(`${sandbox.url}/commons/v1/packetmanager/createPacket`, {
    method: "PUT",
    headers: { "content-type": "application/json", ...(cookie ? { cookie } : {}), ...headers },
    body: JSON.stringify({
      id: "mosip.registration.packet.writer",
      version: "v1",
      requesttime: new Date().toISOString(),
      request,
    }),
  });
  return {
    status: res.status,
    body: (await res.json()) as {
      id: string | null;
      version: string | null;
      response: Array<Record<string, unknown>> | null;
      errors: Array<{ errorCode: string; message: string }>;
    },
  };
}

const stored = (id: unknown) =>
  (sandbox.context.state.packets as Map<string, StoredPacket>).get(String(id));

describe("success", () => {
  it("writes the id, evidence and optional packets and returns their PacketInfo", async () => {
    const p = packet();
    const { status, body } = await createPacket(p);
    expect(status).toBe(200);
    expect(body.errors).toEqual([]);
    expect(body.id).toBe("mosip.registration.packet.writer");
    expect(body.version).toBe("v1");
    expect(body.response).toHaveLength(3);
    expect(body.response!.map((i) => i.packetName)).toEqual([
      `${p.id}_id`,
      `${p.id}_evidence`,
      `${p.id}_optional`,
    ]);
    for (const info of body.response!) {
      expect(info).toMatchObject({
        id: p.id,
        source: "OPENCRVS",
        process: "OPENCRVS_NEW",
        refId: "10001_10004",
        schemaVersion: "0.100",
        providerName: "PacketWriterImpl",
        providerVersion: "v1.0",
      });
      expect(typeof info.signature).toBe("string");
      expect(info.encryptedHash).toMatch(/^[0-9A-F]{64}$/);
      expect(Number.isNaN(Date.parse(String(info.creationDate)))).toBe(false);
    }
    const s = stored(p.id)!;
    expect(s.provider).toBe("provider.packetwriter.opencrvs");
    expect(s.fields.dateOfBirth).toBe("2026/11/01");
    expect(s.createdBy).toBe("service-account-mosip-regproc-client");
    // Its configuration is read in-process: the request log only shows the client's call.
    expect(sandbox.requests.some((r) => r.path.startsWith("/config/"))).toBe(false);
  });
});

describe("provider resolution (case-insensitive substring)", () => {
  it("accepts CRVS_NEW from OPENCRVS through the OPENCRVS_NEW entry, and lower-case names", async () => {
    const a = packet({ process: "CRVS_NEW" });
    const r1 = await createPacket(a);
    expect(r1.body.errors).toEqual([]);
    expect(r1.body.response).toHaveLength(3);
    expect(stored(a.id)!.provider).toBe("provider.packetwriter.opencrvs");
    const b = packet({ source: "opencrvs", process: "opencrvs_new" });
    expect((await createPacket(b)).body.response).toHaveLength(3);
  });

  it("answers KER-PUT-006 for CRVS_DEATH or an unknown source, with HTTP 200", async () => {
    for (const over of [{ process: "CRVS_DEATH" }, { source: "CRVS1" }, { source: "OPENCRVS2" }]) {
      const p = packet(over);
      const { status, body } = await createPacket(p);
      expect(status).toBe(200);
      expect(body.response).toBeNull();
      expect(body.errors).toEqual([
        { errorCode: "KER-PUT-006", message: "No available provider for given source and process" },
      ]);
      expect(stored(p.id)).toBeUndefined();
    }
  });

  it("follows provider entries pushed to the config repo (process alternatives with |)", async () => {
    const p = packet({ source: "CRVS1", process: "CRVS_DEATH" });
    expect((await createPacket(p)).body.errors[0].errorCode).toBe("KER-PUT-006");
    await pushConfig(sandbox, {
      "application-default.properties": setProperties({
        "provider.packetwriter.crvs1":
          "source:CRVS1,process:CRVS_NEW|CRVS_DEATH,classname:io.mosip.commons.packet.impl.PacketWriterImpl",
        "mosip.kernel.idobjectvalidator.mandatory-attributes.reg-processor.crvs_death":
          "IDSchemaVersion,UIN",
      }),
    });
    const { body } = await createPacket({
      ...p,
      fields: { ...(p.fields as object), UIN: "2345678901" },
    });
    expect(body.errors).toEqual([]);
    expect(body.response).toHaveLength(3);
    expect(stored(p.id)!.provider).toBe("provider.packetwriter.crvs1");
  });
});

describe("the response: null quirk", () => {
  const quirk = (body: { response: unknown; errors: unknown[] }) => {
    expect(body.response).toBeNull();
    expect(body.errors).toEqual([]);
  };

  it("answers 200 with response null and no error when a field is not a string", async () => {
    const p = packet({ fields: { fullName: "x", age: 3 } });
    const { status, body } = await createPacket(p);
    expect(status).toBe(200);
    quirk(body);
    expect(stored(p.id)).toBeUndefined();
  });

  it("does the same for an unparseable schemaJson and a missing id", async () => {
    quirk((await createPacket(packet({ schemaJson: "{not json" }))).body);
    quirk((await createPacket(packet({ id: "" }))).body);
  });

  it("does the same when a mandatory attribute of the process is missing (a|b = one of them)", async () => {
    // OPENCRVS_NEW needs IDSchemaVersion (from schemaVersion).
    quirk((await createPacket(packet({ schemaVersion: "" }))).body);
    await pushConfig(sandbox, {
      "application-default.properties": setProperties({
        "mosip.kernel.idobjectvalidator.mandatory-attributes.reg-processor.crvs_new":
          "IDSchemaVersion,fullName,dateOfBirth|age,gender",
      }),
    });
    quirk(
      (await createPacket(packet({ process: "CRVS_NEW", fields: { fullName: "a", gender: "b" } })))
        .body,
    );
    const ok = await createPacket(
      packet({ process: "CRVS_NEW", fields: { fullName: "a", gender: "b", age: "0" } }),
    );
    expect(ok.body.response).toHaveLength(3);
  });
});

describe("auth", () => {
  it("needs the Authorization cookie (401 KER-ATH-401); a Bearer header is not read", async () => {
    const none = await createPacket(packet(), null);
    expect(none.status).toBe(401);
    expect(none.body.errors[0].errorCode).toBe("KER-ATH-401");
    const bearer = await createPacket(packet(), null, {
      authorization: `Bearer ${regprocToken}`,
    });
    expect(bearer.status).toBe(401);
  });

  it("refuses a client that is not in packet-manager's allowed audience (403)", async () => {
    const { status, body } = await createPacket(
      packet(),
      `Authorization=${await adminToken(sandbox)}`,
    );
    expect(status).toBe(403);
    expect(body.errors[0]).toEqual({ errorCode: "KER-ATH-403", message: "Forbidden" });
  });

  it("checks the roles of mosip.role.commons-packet.putcreatepacket, read from the config repo", async () => {
    const token = await clientToken(sandbox, "crvs-pm-client", ["ONLINE_REGISTRATION_CLIENT"]);
    const cookie = `Authorization=${token}`;
    // Not in the audience yet: 403 for the audience.
    expect((await createPacket(packet(), cookie)).status).toBe(403);
    await pushConfig(sandbox, {
      "packet-manager-default.properties": setProperties({
        "auth.server.admin.allowed.audience": "mosip-regproc-client,crvs-pm-client",
      }),
    });
    // In the audience, but 1.2.0.1 only lets REGISTRATION_PROCESSOR create packets.
    const denied = await createPacket(packet(), cookie);
    expect(denied.status).toBe(403);
    expect(denied.body.errors[0].errorCode).toBe("KER-ATH-403");
    await pushConfig(sandbox, {
      "packet-manager-default.properties": setProperties({
        "mosip.role.commons-packet.putcreatepacket":
          "REGISTRATION_PROCESSOR,ONLINE_REGISTRATION_CLIENT",
      }),
    });
    const ok = await createPacket(packet(), cookie);
    expect(ok.status).toBe(200);
    expect(ok.body.response).toHaveLength(3);
  });
});
