// What an end-to-end registration needs from a converged stack, for one CRVS system: the CRVS
// client's id and secret, the credential subscription's topic, callback and hub secret, the
// partner's private key, and a registration office's centre and machine ids. Taken from the stack
// outputs (index.ts exports them per CRVS system and per office); when an output is missing (an
// older program), from the state of the resources that hold it (WebSubSubscription,
// CredentialPartner, RegistrationOffice). `missing` names what neither has.
import type { ResourceState } from "../../test/harness/state";
import { reveal, type Props } from "../../test/harness/values";

export interface StackRegistrationInputs {
  partnerId: string;
  clientId: string;
  clientSecret: string;
  credentialTopic: string;
  credentialCallback: string;
  credentialHubSecret: string;
  partnerPrivateKeyPem: string;
  packetStatus?: { topic: string; callback: string; hubSecret?: string };
  centreId: string;
  machineId: string;
}

export interface StackInputsAnswer {
  inputs?: StackRegistrationInputs;
  /** Names of what could be found neither in the outputs nor in the state. */
  missing: string[];
  /** Whether the stack onboards the CRVS system as a credential partner at all. */
  wired: boolean;
  /** Which values came from resource state rather than stack outputs. */
  fromState: string[];
}

const str = (v: unknown): string | undefined => {
  const r = reveal(v);
  return typeof r === "string" && r !== "" ? r : typeof r === "number" ? String(r) : undefined;
};

export function registrationInputs(
  outputs: Props,
  resources: ResourceState[],
  partnerId: string,
): StackInputsAnswer {
  const out = reveal(outputs) as Props;
  const systems = Array.isArray(out.crvsSystems) ? (out.crvsSystems as Props[]) : [];
  const sys = systems.find((s) => s.partnerId === partnerId) ?? {};
  const offices = Array.isArray(out.registrationOffices)
    ? (out.registrationOffices as Props[])
    : [];
  const office = offices[0] ?? {};
  const byType = (suffix: string) => resources.filter((r) => r.type.endsWith(suffix));
  const fromState: string[] = [];
  const missing: string[] = [];

  const credentialTopic = `${partnerId}/CREDENTIAL_ISSUED`;
  const subs = byType("WebSubSubscription").map((r) => reveal(r.outputs) as Props);
  const credSub = subs.find((s) => s.topic === credentialTopic);
  const partners = byType(":CredentialPartner").map((r) => reveal(r.outputs) as Props);
  const partnerState = partners.find((p) => p.partnerId === partnerId);
  const officeState = byType(":RegistrationOffice").map((r) => reveal(r.outputs) as Props)[0];

  const pick = (name: string, output: unknown, state: unknown): string => {
    const o = str(output);
    if (o !== undefined) return o;
    const s = str(state);
    if (s !== undefined) {
      fromState.push(name);
      return s;
    }
    missing.push(name);
    return "";
  };
  const topics = (sys.topics ?? {}) as Props;
  const callbacks = (sys.callbacks ?? {}) as Props;
  const inputs: StackRegistrationInputs = {
    partnerId,
    clientId: pick("crvsSystems[].clientId", sys.clientId, undefined),
    clientSecret: pick("crvsSystems[].clientSecret", sys.clientSecret, undefined),
    credentialTopic: pick(
      "crvsSystems[].topics.credentialIssued",
      topics.credentialIssued,
      credSub?.topic,
    ),
    credentialCallback: pick(
      "crvsSystems[].callbacks.credentialIssued",
      callbacks.credentialIssued,
      credSub?.callback,
    ),
    credentialHubSecret: pick(
      "crvsSystems[].credentialHubSecret",
      sys.credentialHubSecret,
      credSub?.hubSecret,
    ),
    partnerPrivateKeyPem: pick(
      "crvsSystems[].partnerPrivateKeyPem",
      sys.partnerPrivateKeyPem,
      partnerState?.partnerPrivateKeyPem,
    ),
    centreId: pick("registrationOffices[].centreId", office.centreId, officeState?.centreId),
    machineId: pick("registrationOffices[].machineId", office.machineId, officeState?.machineId),
  };
  const statusTopic = str(topics.packetStatus);
  const statusCallback = str(callbacks.packetStatus);
  if (statusTopic && statusCallback) {
    inputs.packetStatus = {
      topic: statusTopic,
      callback: statusCallback,
      hubSecret: str(sys.packetStatusHubSecret),
    };
  }
  const wired = partnerState !== undefined || str(sys.partnerPrivateKeyPem) !== undefined;
  return { inputs: missing.length === 0 ? inputs : undefined, missing, wired, fromState };
}
