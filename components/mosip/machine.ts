// A masterdata machine (contract §8.3, §8.7): the registration client (or the CRVS adapter acting as
// one) that packets name as `<centreId>_<machineId>`. Its encryption and signing key pairs are
// generated here when not supplied; the private keys are secret outputs for whatever signs packets.
// Keys are compared as bytes (MOSIP stores base64url of what it was given in base64). Names are
// unique at create among machines not decommissioned (ignoring case), but MOSIP's update lets a
// rename take another machine's name, so a rename is checked first. Delete unmaps the machine from
// its centre and decommissions it, but only a machine this stack created. A decommissioned machine is
// gone for MOSIP (no read, no search, its name and keys free again), so a create after a destroy makes
// a new machine with a new id and new keys.
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { isErrorCode } from "./errors";
import {
  MosipProvider,
  MosipResource,
  sameValue,
  type Live,
  type MosipContext,
  type MosipObjectSpec,
  createdByOwnCredential,
} from "./dynamic";
import { providerRef } from "./provider-ref";
import { generateMachineKeyPair, normaliseMachineKey } from "./machine-keys";

export interface MachineInputs extends Record<string, unknown> {
  /** Unique machine name (KER-MSD-413). */
  name: string;
  /** A machine specification id in masterdata. */
  machineSpecId: string;
  serialNum?: string;
  macAddress?: string;
  ipAddress: string;
  /** Within the deployment client's zones (KER-MSD-255); the centre's zone must be under it. */
  zoneCode: string;
  /** The centre the machine belongs to. */
  regCenterId?: string;
  /** base64/base64url X.509 SubjectPublicKeyInfo (RSA); generated when omitted. */
  publicKey?: string;
  /** Signing key, same format; generated when omitted. */
  signPublicKey?: string;
  /** @default true */
  active: boolean;
}

export type MachineArgs = { [K in keyof MachineInputs]?: pulumi.Input<MachineInputs[K]> };

/** GET /machines/{id} -> machines[0]. */
interface MosipMachine {
  id: string;
  name: string;
  serialNum: string | null;
  macAddress: string | null;
  ipAddress: string;
  machineSpecId: string;
  regCenterId: string | null;
  zoneCode: string;
  isActive: boolean;
  publicKey: string;
  signPublicKey: string;
}

const MACHINES = "/v1/masterdata/machines";
const KEYS = [
  ["publicKey", "registeredPublicKey", "privateKeyPem", "keyIndex"],
  ["signPublicKey", "registeredSignPublicKey", "signPrivateKeyPem", "signKeyIndex"],
] as const;

/**
 * Per host process: private keys of the public keys this process generated (so a create whose answer
 * was lost, or an update, still knows them when the machine is read back), and the machine names it
 * POSTed (so such a machine counts as created by the stack).
 */
function memory(): { keys: Map<string, string>; names: Set<string> } {
  const g = globalThis as {
    __mosipCrvsMachines?: { keys: Map<string, string>; names: Set<string> };
  };
  return (g.__mosipCrvsMachines ??= { keys: new Map(), names: new Set() });
}

function generate(): { key: string } {
  const p = generateMachineKeyPair();
  memory().keys.set(p.key, p.privateKeyPem);
  return p;
}

/** §8.6: machine writes and searches need the caller zone-mapped above the machine's zone. */
function explainZone(e: unknown): never {
  if (isErrorCode(e, "KER-MSD-255") || isErrorCode(e, "KER-MSD-342"))
    throw new Error(
      `${(e as Error).message} The deployment client's Keycloak user (service-account-<clientId>) must have an active masterdata zone mapping covering the machine's zone (contract §8.6).`,
    );
  throw e;
}

async function readMachine(
  ctx: MosipContext,
  id: string,
  state: Record<string, unknown>,
): Promise<Live<MachineInputs> | undefined> {
  let m: MosipMachine | undefined;
  try {
    const r = await ctx.client.kernel<{ machines?: MosipMachine[] }>(
      "GET",
      `${MACHINES}/${encodeURIComponent(id)}`,
    );
    m = r?.machines?.find((x) => x.id === id);
  } catch (e) {
    if (isErrorCode(e, "KER-MSD-030")) return undefined;
    throw e;
  }
  if (!m) return undefined;
  const inputs: Record<string, unknown> = {
    name: m.name,
    machineSpecId: m.machineSpecId,
    ipAddress: m.ipAddress,
    zoneCode: m.zoneCode,
    active: m.isActive,
  };
  for (const k of ["serialNum", "macAddress", "regCenterId"] as const)
    if (m[k] !== null && m[k] !== "") inputs[k] = m[k];
  const extra: Record<string, unknown> = {
    machineId: m.id,
    createdByStack: state.createdByStack === true || memory().names.has(m.name),
  };
  const generated: string[] = [];
  for (const [field, registered, secret, index] of KEYS) {
    const live = normaliseMachineKey(m[field]);
    const key = live?.key ?? m[field];
    extra[registered] = key;
    extra[index] = live?.index;
    // A key whose private half we hold was generated here: not an input. A generated key we do not
    // hold (replaced by hand) is drift. A declared key matching in bytes is reported as declared.
    const held = memory().keys.get(key) ?? (state[registered] === key ? state[secret] : undefined);
    const wasGenerated =
      held !== undefined ||
      (Array.isArray(state.generatedKeys)
        ? state.generatedKeys.includes(field)
        : state[field] === undefined);
    const given = state[field] as string | undefined;
    extra[secret] = held;
    if (wasGenerated) generated.push(field);
    if (held) continue;
    inputs[field] = !wasGenerated && normaliseMachineKey(String(given))?.key === key ? given : key;
  }
  extra.generatedKeys = generated;
  // The host cannot send undefined values: absent outputs are left out.
  for (const k of Object.keys(extra)) if (extra[k] === undefined) delete extra[k];
  return { id: m.id, inputs: inputs as MachineInputs, extra };
}

function body(i: MachineInputs, keys: Record<string, unknown>): Record<string, unknown> {
  return {
    name: i.name,
    machineSpecId: i.machineSpecId,
    serialNum: i.serialNum ?? null,
    macAddress: i.macAddress ?? null,
    ipAddress: i.ipAddress,
    zoneCode: i.zoneCode,
    regCenterId: i.regCenterId ?? null,
    ...keys,
  };
}

async function findMachine(
  ctx: MosipContext,
  inputs: MachineInputs,
): Promise<Live<MachineInputs> | undefined> {
  const page = await ctx.client
    .kernel<{ data?: { id: string; createdBy?: string }[] }>("POST", `${MACHINES}/search`, {
      request: {
        filters: [{ columnName: "name", type: "equals", value: inputs.name }],
        sort: [{ sortField: "id", sortType: "asc" }],
        pagination: { pageStart: 0, pageFetch: 10 },
      },
      idempotent: true,
    })
    .catch(explainZone);
  const ids = (page?.data ?? []).map((r) => r.id);
  if (ids.length > 1)
    throw new Error(
      `MOSIP holds ${ids.length} machines named "${inputs.name}" (ids ${ids.join(", ")}), which a rename in MOSIP allows; rename or decommission all but one in the admin portal, then re-run.`,
    );
  if (!ids[0]) return undefined;
  // A machine the stack's own credential made (a create whose answer was lost) is still its own.
  const ours = await createdByOwnCredential(ctx, page?.data?.[0]);
  return readMachine(ctx, ids[0], ours ? { ...inputs, createdByStack: true } : inputs);
}

async function activate(ctx: MosipContext, id: string, active: boolean): Promise<void> {
  await ctx.client.kernel("PATCH", MACHINES, { query: { id, isActive: active } });
}

export const machineSpec: MosipObjectSpec<MachineInputs> = {
  type: "Machine",
  revision: "1",
  secretOutputs: ["privateKeyPem", "signPrivateKeyPem"],
  // Limits are MachinePostReqDto's. Keys are normalised to MOSIP's stored form here, so a key given
  // in base64 and read back in base64url is no change.
  schema: (zod: typeof z) => {
    const s = (min: number, max: number, what: string) =>
      zod
        .string({ error: `must be a string: ${what}` })
        .refine((v) => v.trim().length >= min && v.length <= max, {
          error: `must be ${min}..${max} characters (MOSIP's limit): ${what}`,
        });
    const key = (code: string) =>
      zod
        .string()
        .refine((v) => normaliseMachineKey(v) !== undefined, {
          error: `is not a base64 or base64url X.509 SubjectPublicKeyInfo RSA public key (${code}); omit it to have the stack generate the pair`,
        })
        .transform((v) => normaliseMachineKey(v)!.key)
        .optional();
    return zod.strictObject({
      name: s(1, 64, "a machine name unique in masterdata"),
      machineSpecId: s(1, 36, "a machine specification id in masterdata"),
      serialNum: s(0, 64, "serial number").optional(),
      macAddress: s(0, 64, "MAC address").optional(),
      ipAddress: s(1, 17, "IP address"),
      zoneCode: s(1, 36, "zone code"),
      regCenterId: s(1, 10, "the centre's id").optional(),
      publicKey: key("KER-MSD-257"),
      signPublicKey: key("KER-MSD-410"),
      active: zod.boolean().default(true),
    });
  },
  describe: (i) => `machine "${i.name}"`,
  immutable: [],

  // Adopting a machine whose keys this stack does not hold would mean replacing the keys its
  // registration client signs with: refused unless the program supplies them.
  async find(ctx, inputs) {
    const live = await findMachine(ctx, inputs);
    const foreign = KEYS.filter(([f]) => !inputs[f] && live?.inputs[f]).map(([f]) => f);
    if (live && foreign.length > 0 && live.extra?.createdByStack === true) {
      // Made with the stack's credential in a run whose answer was lost: the private keys went
      // with that run, so no registration client can use it. Ours to replace.
      ctx.warn(
        `machine "${inputs.name}" (id ${live.id}) was created with this stack's credential in an earlier run whose answer was lost; its private keys are gone with that run, so it is decommissioned and created again with new keys.`,
      );
      await decommission(ctx, live);
      return undefined;
    }
    if (live && foreign.length > 0)
      throw new Error(
        `machine "${inputs.name}" already exists in MOSIP (id ${live.id}) with keys this stack did not generate. To adopt it, give its ${foreign.join(" and ")} (the registration client's public keys; the private keys stay with that client), or choose another name.`,
      );
    return live;
  },

  read: (ctx, id, state) => readMachine(ctx, id, state),

  async create(ctx, inputs) {
    memory().names.add(inputs.name);
    const keys = {
      publicKey: inputs.publicKey ?? generate().key,
      signPublicKey: inputs.signPublicKey ?? generate().key,
    };
    let id: string | undefined;
    try {
      const r = await ctx.client.kernel<{ id?: string }>("POST", MACHINES, {
        request: { ...body(inputs, keys), isActive: true },
        idempotent: false,
      });
      id = r?.id;
    } catch (e) {
      if (!isErrorCode(e, "KER-MSD-413")) explainZone(e);
      // The name is taken. Made by a lost earlier attempt (or someone else just now): the search
      // finds it and the base adopts it. Otherwise no retry can help, so say why and what to do.
      if (await findMachine(ctx, inputs)) return undefined;
      throw new Error(
        `masterdata refuses the name "${inputs.name}" (KER-MSD-413) but a search by that name finds no machine. MOSIP counts a name as taken (ignoring case) while any machine that is not decommissioned carries it, in any zone, and its search shows only the zones the caller is mapped to: a machine with this name exists outside the deployment client's zones. Decommission or rename it in the admin portal, map the client's Keycloak user (service-account-<clientId>) to a zone covering it, or name this machine differently.`,
      );
    }
    if (!id) return undefined;
    if (inputs.active) await activate(ctx, id, true);
    return readMachine(ctx, id, { ...inputs, createdByStack: true });
  },

  async update(ctx, live, inputs) {
    if (inputs.name !== live.inputs.name) {
      const other = await findMachine(ctx, inputs).catch(() => undefined);
      if (other && other.id !== live.id)
        throw new Error(
          `cannot rename machine ${live.id} to "${inputs.name}": machine ${other.id} already has that name, and MOSIP would accept the rename and leave two machines with one name.`,
        );
    }
    const keys: Record<string, unknown> = {};
    const registered: Record<string, unknown> = {};
    for (const [field, reg] of KEYS) {
      registered[field] = live.extra?.[reg];
      keys[field] =
        inputs[field] ?? (live.inputs[field] === undefined ? live.extra?.[reg] : generate().key);
    }
    if (!sameValue(body(live.inputs, registered), body(inputs, keys)))
      await ctx.client
        .kernel("PUT", MACHINES, { request: { id: live.id, ...body(inputs, keys) } })
        .catch(explainZone);
    if (inputs.active !== live.inputs.active) await activate(ctx, live.id, inputs.active);
  },

  async delete(ctx, id, state) {
    const live = await readMachine(ctx, id, state);
    if (!live) return;
    if (live.extra?.createdByStack !== true) {
      ctx.warn(
        `left in MOSIP (id ${id}): this stack adopted it and did not create it, so it is not decommissioned. Pulumi no longer manages it.`,
      );
      return;
    }
    await decommission(ctx, live);
  },
};

/** Unmaps a machine from its centre (MOSIP refuses to decommission a mapped one, KER-MSD-256),
 * then decommissions it. */
async function decommission(ctx: MosipContext, live: Live<MachineInputs>): Promise<void> {
  const id = live.id;
  if (live.inputs.regCenterId) {
    await ctx.client.kernel("PUT", MACHINES, {
      request: {
        id,
        ...body(
          { ...live.inputs, regCenterId: undefined },
          {
            publicKey: live.extra?.registeredPublicKey,
            signPublicKey: live.extra?.registeredSignPublicKey,
          },
        ),
      },
    });
  }
  try {
    await ctx.client.kernel("PUT", `${MACHINES}/decommission/${encodeURIComponent(id)}`);
    ctx.log(`unmapped from its centre and decommissioned (id ${id})`);
  } catch (e) {
    if (!isErrorCode(e, "KER-MSD-214")) throw e;
  }
}

export const machineProvider = new MosipProvider(machineSpec);

/**
 * A masterdata machine, active, with generated key pairs unless keys are supplied. Adopts a machine
 * of the same name; deleting unmaps and decommissions a machine this stack created.
 */
export class Machine extends MosipResource {
  /** The id MOSIP generated; packets carry `<centreId>_<machineId>`. */
  declare readonly machineId: pulumi.Output<string>;
  /** The keys as MOSIP stores them (base64url DER) and their keyIndex thumbprints. */
  declare readonly registeredPublicKey: pulumi.Output<string>;
  declare readonly registeredSignPublicKey: pulumi.Output<string>;
  declare readonly keyIndex: pulumi.Output<string>;
  declare readonly signKeyIndex: pulumi.Output<string>;
  /** PKCS#8 PEM of the generated keys (secret); absent for supplied keys. */
  declare readonly privateKeyPem: pulumi.Output<string | undefined>;
  declare readonly signPrivateKeyPem: pulumi.Output<string | undefined>;
  declare readonly createdByStack: pulumi.Output<boolean>;
  /** Which of publicKey / signPublicKey the stack generated. */
  declare readonly generatedKeys: pulumi.Output<string[]>;

  constructor(name: string, args: MachineArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerRef(machineSpec.type),
      machineSpec,
      name,
      { ...args },
      [
        "machineId",
        "registeredPublicKey",
        "registeredSignPublicKey",
        "keyIndex",
        "signKeyIndex",
        "privateKeyPem",
        "signPrivateKeyPem",
        "createdByStack",
        "generatedKeys",
      ],
      opts,
    );
  }
}
