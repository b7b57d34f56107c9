// A CRVS system's prerequisite on MOSIP's published ID schema (masterdata
// `GET /v1/masterdata/idschema/latest`): every ID-schema field the CRVS field mapping marks mandatory
// must exist, or packets the CRVS sends fail ID-object validation at MOSIP, long after the stack
// "succeeded". Nothing is written to MOSIP: the ID schema is the country's, managed in the admin
// portal; this resource only refuses to go on without it and makes a removed field visible.
//
// How it behaves:
// - create reads the latest schema and fails, listing the missing fields and what to do, when one
//   is missing. The integration makes every MOSIP and Keycloak write depend on it, so the check runs
//   before anything is written; a changed mapping is a replacement, so it is checked again.
// - read (`pulumi refresh`, the scheduled drift workflow) returns the mapped fields the schema still
//   has: a field removed from the schema afterwards shows as drift of `fields`, and the next `up`
//   fails with the list instead of silently "repairing" it.
// - delete does nothing (there is nothing of ours in MOSIP).
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import {
  MosipProvider,
  MosipResource,
  type Live,
  type MosipContext,
  type MosipObjectSpec,
} from "./dynamic";
import { providerRef } from "./provider-ref";
import { isErrorCode } from "./errors";

/** One mandatory CRVS field and the ID-schema field MOSIP must have for it. */
export interface RequiredIdSchemaField {
  /** The field's name on the CRVS side (shown in messages). */
  crvsField: string;
  /** The ID-schema field id (`schema[].id`). */
  idSchemaField: string;
}

export interface IdSchemaRequirementArgs {
  /** The CRVS system's partner id: names the requirement in messages and its id. */
  partnerId: pulumi.Input<string>;
  /** The mandatory fields of the CRVS field mapping (at least one). */
  fields: pulumi.Input<pulumi.Input<RequiredIdSchemaField>[]>;
  /**
   * Where the mapping is configured, for messages.
   * @default "mosip-crvs:crvsSystems[].fieldMapping"
   */
  configKey?: pulumi.Input<string>;
}

export interface IdSchemaRequirementInputs extends Record<string, unknown> {
  partnerId: string;
  fields: RequiredIdSchemaField[];
  configKey: string;
}

/** masterdata's IdSchemaResponseDto, the parts read here. */
interface PublishedIdSchema {
  id?: string;
  idVersion?: number;
  schema?: { id?: string }[];
  schemaJson?: string;
}

const LATEST = "/v1/masterdata/idschema/latest";

/** Field ids of the schema: `schema[].id`, and the identity properties of `schemaJson`. */
function fieldIds(s: PublishedIdSchema): Set<string> {
  const ids = new Set<string>();
  for (const f of Array.isArray(s.schema) ? s.schema : []) if (f?.id) ids.add(String(f.id));
  try {
    const j = JSON.parse(s.schemaJson ?? "{}") as {
      properties?: { identity?: { properties?: Record<string, unknown> } };
    };
    for (const k of Object.keys(j.properties?.identity?.properties ?? {})) ids.add(k);
  } catch {
    // schemaJson is a string MOSIP stores; `schema[]` alone is enough when it is unreadable.
  }
  return ids;
}

/** The latest published schema, or undefined when none is published (KER-SCH-008). */
async function latest(ctx: MosipContext): Promise<PublishedIdSchema | undefined> {
  try {
    return (await ctx.client.kernel<PublishedIdSchema>("GET", LATEST)) ?? undefined;
  } catch (e) {
    if (isErrorCode(e, "KER-SCH-008")) return undefined;
    throw e;
  }
}

function sortFields(fields: RequiredIdSchemaField[]): RequiredIdSchemaField[] {
  return [...fields].sort((a, b) =>
    a.idSchemaField === b.idSchemaField
      ? a.crvsField.localeCompare(b.crvsField)
      : a.idSchemaField.localeCompare(b.idSchemaField),
  );
}

/** Reads the schema and fails with the list of missing fields and the fix. */
async function verify(
  ctx: MosipContext,
  inputs: IdSchemaRequirementInputs,
): Promise<Live<IdSchemaRequirementInputs>> {
  const schema = await latest(ctx);
  if (!schema)
    throw new Error(
      `MOSIP has no published ID schema (masterdata ${LATEST}: KER-SCH-008). Publish the country's ID schema (admin portal > ID Schema, or masterdata POST /idschema then PUT /idschema/publish) before onboarding a CRVS system.`,
    );
  const have = fieldIds(schema);
  const missing = inputs.fields.filter((f) => !have.has(f.idSchemaField));
  if (missing.length > 0)
    throw new Error(
      `MOSIP's published ID schema (idVersion ${schema.idVersion ?? "?"}) has no field for ${missing.length} mandatory CRVS field${missing.length > 1 ? "s" : ""}: ${missing
        .map((f) => `${f.crvsField} -> ${f.idSchemaField}`)
        .join(
          ", ",
        )}. Packets from the CRVS would fail MOSIP's ID-object validation. Add ${missing.length > 1 ? "these fields" : "this field"} to the ID schema and publish it (admin portal > ID Schema), or correct ${inputs.configKey} if the CRVS field maps to another ID-schema field. Nothing was written.`,
    );
  return toLive(inputs, schema, have);
}

function toLive(
  inputs: IdSchemaRequirementInputs,
  schema: PublishedIdSchema,
  have: Set<string>,
): Live<IdSchemaRequirementInputs> {
  return {
    id: `${inputs.partnerId}-idschema`,
    inputs: { ...inputs, fields: inputs.fields.filter((f) => have.has(f.idSchemaField)) },
    extra: { idSchemaId: schema.id ?? "", idSchemaVersion: schema.idVersion ?? 0 },
  };
}

/** The object-specific half of the provider; the rest is in dynamic.ts. */
export const idSchemaRequirementSpec: MosipObjectSpec<IdSchemaRequirementInputs> = {
  type: "IdSchemaRequirement",
  revision: "1",
  // Fields are sorted on check so the same mapping in another order is no change.
  schema: (zod: typeof z) =>
    zod.strictObject(
      {
        partnerId: zod.string({ error: "partnerId must be the CRVS system's partner id" }).min(1),
        fields: zod
          .array(
            zod.strictObject({
              crvsField: zod.string().min(1, { error: "crvsField must not be empty" }),
              idSchemaField: zod.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, {
                error: "idSchemaField must be an ID-schema field id (e.g. fullName)",
              }),
            }),
            { error: "fields must be a list of {crvsField, idSchemaField}" },
          )
          .min(1, { error: "fields is empty: mark at least one mapped field mandatory" })
          .transform(sortFields),
        configKey: zod.string().default("mosip-crvs:crvsSystems[].fieldMapping"),
      },
      { error: "unknown argument: IdSchemaRequirement takes partnerId, fields and configKey" },
    ),
  describe: (i) => `ID-schema requirement of "${i.partnerId}"`,
  // Every change re-runs the check as a replacement (create = verify, delete = nothing): the base's
  // update re-reads from the old state, which for a check would keep the old field list.
  immutable: ["partnerId", "fields", "configKey"],
  // The "object" is the check itself: find verifies (and fails with the list), so the base's
  // adopt-by-natural-key path is the check on create.
  find: (ctx, inputs) => verify(ctx, inputs),
  create: (ctx, inputs) => verify(ctx, inputs),
  // Never "gone": a missing schema or field is drift of `fields`, which the next up reports.
  async read(ctx, id, state) {
    const inputs = {
      partnerId: String(state.partnerId ?? id.replace(/-idschema$/, "")),
      fields: sortFields((state.fields as RequiredIdSchemaField[] | undefined) ?? []),
      configKey: String(state.configKey ?? "mosip-crvs:crvsSystems[].fieldMapping"),
    };
    const schema = (await latest(ctx)) ?? {};
    return toLive(inputs, schema, fieldIds(schema));
  },
  // Only reached for a revision-only change (every input is immutable): check again anyway.
  async update(ctx, _live, inputs) {
    await verify(ctx, inputs);
  },
  async delete() {
    // Nothing of the stack's lives in MOSIP for this resource.
  },
};

/** What the provider host runs for IdSchemaRequirement (registry.ts); the resource registers providerRef. */
export const idSchemaRequirementProvider = new MosipProvider(idSchemaRequirementSpec);

/**
 * Fails `pulumi up` (before anything depending on it is written) when MOSIP's published ID schema
 * lacks a field the CRVS field mapping marks mandatory; `pulumi refresh` shows a field removed
 * later as drift of `fields`.
 */
export class IdSchemaRequirement extends MosipResource {
  declare readonly partnerId: pulumi.Output<string>;
  declare readonly fields: pulumi.Output<RequiredIdSchemaField[]>;
  /** The published schema's id and version the last check saw. */
  declare readonly idSchemaId: pulumi.Output<string>;
  declare readonly idSchemaVersion: pulumi.Output<number>;

  constructor(name: string, args: IdSchemaRequirementArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerRef(idSchemaRequirementSpec.type),
      idSchemaRequirementSpec,
      name,
      {
        partnerId: args.partnerId,
        fields: args.fields,
        configKey: args.configKey ?? "mosip-crvs:crvsSystems[].fieldMapping",
      },
      ["idSchemaId", "idSchemaVersion"],
      opts,
    );
  }
}
