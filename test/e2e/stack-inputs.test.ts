// What the demo's registration step takes from a converged stack (scripts/e2e/stack-inputs.ts),
// and how the callback receiver reads credentials it cannot open (scripts/e2e/callback-receiver.ts).
import { generateKeyPairSync } from "node:crypto";
import { CompactEncrypt } from "jose";
import { describe, expect, it } from "vitest";
import { readCredential } from "../../scripts/e2e/callback-receiver";
import { registrationInputs } from "../../scripts/e2e/stack-inputs";
import type { ResourceState } from "../harness/state";
import { secret } from "../harness/values";

const resource = (type: string, outputs: Record<string, unknown>): ResourceState => ({
  urn: `urn:pulumi:local::mosip-crvs::${type}::x`,
  type,
  custom: false,
  inputs: {},
  outputs,
  dependencies: [],
});

const fullOutputs = {
  crvsSystems: [
    {
      partnerId: "opencrvs-partner",
      clientId: "opencrvs-partner",
      clientSecret: secret("sandbox-test-client-secret"),
      topics: {
        credentialIssued: "opencrvs-partner/CREDENTIAL_ISSUED",
        packetStatus: "REGISTRATION_PROCESSOR_WORKFLOW_COMPLETED_EVENT",
      },
      callbacks: {
        credentialIssued: "http://127.0.0.1:2024/websub/callback",
        packetStatus: "http://127.0.0.1:2024/websub/packet-status",
      },
      credentialHubSecret: secret("sandbox-test-hub-1"),
      packetStatusHubSecret: secret("sandbox-test-hub-2"),
      partnerPrivateKeyPem: secret("sandbox-test-partner-private-key"),
    },
  ],
  registrationOffices: [{ centreId: "10001", machineId: "10002", refId: "10001_10002" }],
};

describe("registrationInputs", () => {
  it("takes everything from the stack outputs, secrets revealed", () => {
    const a = registrationInputs(fullOutputs, [], "opencrvs-partner");
    expect(a.missing).toEqual([]);
    expect(a.fromState).toEqual([]);
    expect(a.wired).toBe(true);
    expect(a.inputs).toEqual({
      partnerId: "opencrvs-partner",
      clientId: "opencrvs-partner",
      clientSecret: "sandbox-test-client-secret",
      credentialTopic: "opencrvs-partner/CREDENTIAL_ISSUED",
      credentialCallback: "http://127.0.0.1:2024/websub/callback",
      credentialHubSecret: "sandbox-test-hub-1",
      partnerPrivateKeyPem: "sandbox-test-partner-private-key",
      packetStatus: {
        topic: "REGISTRATION_PROCESSOR_WORKFLOW_COMPLETED_EVENT",
        callback: "http://127.0.0.1:2024/websub/packet-status",
        hubSecret: "sandbox-test-hub-2",
      },
      centreId: "10001",
      machineId: "10002",
    });
  });

  it("falls back to the resources' state for what the program does not export", () => {
    const outputs = {
      crvsSystems: [
        {
          partnerId: "opencrvs-partner",
          clientId: "opencrvs-partner",
          clientSecret: secret("sandbox-test-client-secret"),
        },
      ],
    };
    const state = [
      resource("pulumi-nodejs:dynamic/mosip:WebSubSubscription", {
        topic: "opencrvs-partner/CREDENTIAL_ISSUED",
        callback: "http://127.0.0.1:2024/websub/callback",
        hubSecret: secret("sandbox-test-hub-1"),
      }),
      resource("pulumi-nodejs:dynamic/mosip:WebSubSubscription", {
        topic: "someone-else/CREDENTIAL_ISSUED",
        callback: "http://127.0.0.1:9/other",
        hubSecret: secret("not-this-one"),
      }),
      resource("mosip-crvs:pms:CredentialPartner", {
        partnerId: "opencrvs-partner",
        partnerPrivateKeyPem: secret("pem"),
      }),
      resource("mosip-crvs:masterdata:RegistrationOffice", {
        centreId: "10005",
        machineId: "10006",
      }),
    ];
    const a = registrationInputs(outputs, state, "opencrvs-partner");
    expect(a.missing).toEqual([]);
    expect(a.inputs).toMatchObject({
      credentialHubSecret: "sandbox-test-hub-1",
      credentialCallback: "http://127.0.0.1:2024/websub/callback",
      partnerPrivateKeyPem: "pem",
      centreId: "10005",
      machineId: "10006",
    });
    expect(a.inputs?.packetStatus).toBeUndefined();
    expect(a.fromState).toEqual([
      "crvsSystems[].topics.credentialIssued",
      "crvsSystems[].callbacks.credentialIssued",
      "crvsSystems[].credentialHubSecret",
      "crvsSystems[].partnerPrivateKeyPem",
      "registrationOffices[].centreId",
      "registrationOffices[].machineId",
    ]);
  });

  it("says the stack is not wired when it onboards no credential partner, and names what is missing", () => {
    const a = registrationInputs(
      { crvsSystems: [{ partnerId: "opencrvs-partner", clientId: "opencrvs-partner" }] },
      [],
      "opencrvs-partner",
    );
    expect(a.wired).toBe(false);
    expect(a.inputs).toBeUndefined();
    expect(a.missing).toEqual([
      "crvsSystems[].clientSecret",
      "crvsSystems[].topics.credentialIssued",
      "crvsSystems[].callbacks.credentialIssued",
      "crvsSystems[].credentialHubSecret",
      "crvsSystems[].partnerPrivateKeyPem",
      "registrationOffices[].centreId",
      "registrationOffices[].machineId",
    ]);
    // Another partner's outputs are not used.
    expect(registrationInputs(fullOutputs, [], "another-partner").missing).toContain(
      "crvsSystems[].clientSecret",
    );
  });
});

describe("readCredential", () => {
  const pair = () => generateKeyPairSync("rsa", { modulusLength: 2048 });
  const pem = (k: ReturnType<typeof pair>) =>
    k.privateKey.export({ type: "pkcs8", format: "pem" }) as string;
  const encryptFor = (k: ReturnType<typeof pair>, doc: unknown) =>
    new CompactEncrypt(Buffer.from(JSON.stringify(doc)))
      .setProtectedHeader({ alg: "RSA-OAEP-256", enc: "A256GCM" })
      .encrypt(k.publicKey);

  it("decrypts a credential encrypted for the partner, and only with its key", async () => {
    const partner = pair();
    const jwe = await encryptFor(partner, {
      type: "opencrvs",
      credentialSubject: { fullName: "Sandbox" },
    });
    expect(await readCredential(jwe, pem(partner))).toEqual({
      ok: true,
      encrypted: true,
      type: "opencrvs",
      subject: { fullName: "Sandbox" },
    });
    const other = await readCredential(jwe, pem(pair()));
    expect(other.ok).toBe(false);
    expect(!other.ok && other.reason).toContain("not encrypted for this partner's certificate");
    expect(await readCredential(jwe, undefined)).toEqual({
      ok: false,
      reason: "encrypted for the partner, and no partner private key is set",
    });
  });

  it("decodes an unencrypted (base64 JSON) credential and refuses what it cannot read", async () => {
    const plain = Buffer.from(JSON.stringify({ type: "vercred", credentialSubject: { a: 1 } }));
    expect(await readCredential(plain.toString("base64"), undefined)).toEqual({
      ok: true,
      encrypted: false,
      type: "vercred",
      subject: { a: 1 },
    });
    const keymanager = await readCredential("VER_R2#KEY_SPLITTER#not-ours", undefined);
    expect(keymanager.ok).toBe(false);
    expect(await readCredential(undefined, undefined)).toEqual({
      ok: false,
      reason: "the event carries no credential",
    });
  });
});
