// Every MOSIP config property the CRVS flows need, per MOSIP release, declared once
// (`declaredProperties`, pure) and kept in the config repo with drift checks (`MosipProperties`:
// one ConfigProperties per file). Values and release differences come from the MOSIP API contract
// (/work/shared/reference/mosip-api.md); each key cites its section. Where the contract leaves a
// choice, the comment says "Decision".
import * as pulumi from "@pulumi/pulumi";
import type { MosipRelease } from "./config";
import { ConfigProperties } from "./mosip/config-properties";
import type { KeyCondition } from "./mosip/properties-edit";

/** The source the OpenCRVS adapter (opencrvs/mosip `mosip-api`) sends on createPacket (§12.2). */
export const OPENCRVS_SOURCE = "OPENCRVS";

/** The processes the OpenCRVS adapter sends: birth and death (§12.2). */
export const CRVS_PROCESSES = ["CRVS_NEW", "CRVS_DEATH"] as const;

/** Config files the stack edits (contract §3 file naming). */
export const PACKET_MANAGER_FILE = "packet-manager-default.properties";
export const REGPROC_FILE = "registration-processor-default.properties";
export const PMS_FILE = "partner-management-default.properties";
export const APPLICATION_FILE = "application-default.properties";

/** Keys per config file: each `{contains: [...]}` (merged into a list) or `{equals: "..."}`. */
export type DeclaredProperties = Record<string, Record<string, KeyCondition>>;

export interface DeclaredPropertiesOptions {
  /**
   * Credential type the CRVS partners' policies issue, added to `pmp.allowed.credential.types`.
   * @default "opencrvs" on 1.2.0.1 (the mediator's type, §3/§12.1), "vercred" on 1.2.1 and 1.3
   * (what the OpenCRVS adapter accepts, §12.2)
   */
  credentialType?: string;
}

/** The system's packet source, upper-cased as MOSIP compares it (§9). @default OPENCRVS */
function sourceOf(system: { source?: string }): string {
  return (system.source ?? OPENCRVS_SOURCE).toUpperCase();
}

/**
 * Whether a `provider.packetwriter.*` / `provider.packetreader.*` value serves (source, process):
 * MOSIP's rule is a case-insensitive substring match of the sent source in the configured source
 * and of the sent process (iteration suffix stripped) in the configured process (§9,
 * PacketHelper.isSourceAndProcessPresent).
 */
export function providerCovers(entry: string, source: string, process: string): boolean {
  const field = (name: string) =>
    entry
      .split(",")
      .map((p) => p.trim())
      .find((p) => p.toLowerCase().startsWith(`${name}:`))
      ?.slice(name.length + 1)
      .toLowerCase();
  const src = field("source");
  const proc = field("process");
  const sent = process.replace(/_\d+$/, "").toLowerCase();
  return (
    src !== undefined &&
    proc !== undefined &&
    src.includes(source.toLowerCase()) &&
    proc.includes(sent)
  );
}

/**
 * The properties the stack manages, per config file, for `release` and the CRVS systems (partner
 * ids, packet sources). Pure: same input, same output; systems' order does not matter.
 */
export function declaredProperties(
  release: MosipRelease,
  systems: { partnerId: string; source?: string }[],
  opts: DeclaredPropertiesOptions = {},
): DeclaredProperties {
  const newer = release !== "1.2.0.1";
  const partnerIds = [...new Set(systems.map((s) => s.partnerId))].sort();
  const sources = [...new Set([OPENCRVS_SOURCE, ...systems.map(sourceOf)])].sort();
  const processes = [...CRVS_PROCESSES];

  const packetManager: Record<string, KeyCondition> = {};
  const regproc: Record<string, KeyCondition> = {};
  const pms: Record<string, KeyCondition> = {};
  const application: Record<string, KeyCondition> = {};

  // §1.4.3: a client-credentials token passes the audience check when its azp (the client id =
  // partner id) is listed. Always `contains`: MOSIP's own clients (mosip-regproc-client, ...) stay.
  // The list is literal in these two files (no override placeholder, §3), so the file is edited.
  if (partnerIds.length > 0) {
    packetManager["auth.server.admin.allowed.audience"] = { contains: partnerIds };
    regproc["auth.server.admin.allowed.audience"] = { contains: partnerIds };
  }

  // §9 / §1.4.3: createPacket's role list; 1.2.0.1 ships `REGISTRATION_PROCESSOR` only, 1.2.1+/1.3
  // add ONLINE_REGISTRATION_CLIENT. Decision: declared on every release, so 1.2.0.1 lets the CRVS
  // client (granted ONLINE_REGISTRATION_CLIENT, crvs-keycloak-client.ts) create packets without
  // REGISTRATION_PROCESSOR, and newer releases get the shipped value pinned against drift.
  packetManager["mosip.role.commons-packet.putcreatepacket"] = {
    contains: ["ONLINE_REGISTRATION_CLIENT"],
  };

  // §9 / §12.2 / §3: the packet writer and reader must resolve every (source, process) the adapter
  // sends. 1.2.0.1's `source:OPENCRVS,process:OPENCRVS_NEW` serves CRVS_NEW only by the substring
  // rule and CRVS_DEATH not at all; 1.2.1+/1.3's `source:CRVS1,...` does not serve source OPENCRVS.
  // Decision: one stack-owned provider entry per source on every release (MOSIP's own entries are
  // left untouched), covering both processes, with MOSIP's default implementation classes.
  for (const source of sources) {
    const id = `crvs${source.toLowerCase().replace(/[^a-z0-9]/g, "")}`;
    const process = processes.join("|");
    application[`provider.packetwriter.${id}`] = {
      equals: `source:${source},process:${process},classname:io.mosip.commons.packet.impl.PacketWriterImpl`,
    };
    application[`provider.packetreader.${id}`] = {
      equals: `source:${source},process:${process},classname:io.mosip.commons.packet.impl.PacketReaderImpl`,
    };
  }

  // §3: the reader's priority list names which source serves which process (NEWER ships
  // `source:CRVS1\/process:CRVS_NEW|CRVS_DEATH`; the `\/` is the file's escape of `/`, edits work
  // on unescaped values). Appended entries: MOSIP's own stay in front.
  application["packetmanager.default.priority"] = {
    contains: sources.map((s) => `source:${s}/process:${processes.join("|")}`),
  };

  // §3: ID-object validation per process (key suffix = process, lower-cased). Decision: `contains`
  // with the minimum every CRVS packet carries (IDSchemaVersion; a death also the UIN it
  // deactivates), so the country's ID-schema fields (1.3 ships fullName, dateOfBirth|age, ...)
  // stay the country's choice and are never removed.
  application["mosip.kernel.idobjectvalidator.mandatory-attributes.reg-processor.crvs_new"] = {
    contains: ["IDSchemaVersion"],
  };
  application["mosip.kernel.idobjectvalidator.mandatory-attributes.reg-processor.crvs_death"] = {
    contains: ["IDSchemaVersion", "UIN"],
  };

  if (newer) {
    // §3 / §10: additional processes map to the main process category driving the iteration.
    // Decision: the value is a map literal (`{'K':'V',...}`), not a plain list, so it is `equals`;
    // a country with more additional processes must add them through opts in a later change.
    regproc["registration.processor.additional-process.category-mapping"] = {
      equals: "{'CRVS_NEW':'NEW','CRVS_DEATH':'UPDATE'}",
    };
    // §3: the categories the mapping targets must be main processes (shipped so; pinned).
    regproc["registration.processor.main-processes"] = { contains: ["NEW", "UPDATE"] };
    // §3 / §8.7: CMD validation of centre, machine and device for the CRVS processes (the centre
    // and machine in refId must then exist in masterdata).
    for (const v of ["center", "machine", "device"]) {
      regproc[`mosip.regproc.cmd-validator.${v}-validation.processes`] = { contains: processes };
    }
    // §10: workflowinstance rejects any other id/version (RPR-WIN-001); the adapter sends these.
    regproc["mosip.regproc.workflow-manager.instance.api-id"] = {
      equals: "mosip.registration.processor.workflow.instance",
    };
    regproc["mosip.regproc.workflow-manager.instance.version"] = { equals: "v1" };
  } else {
    // §3: 1.2.0.1 has no additional-process mapping (and no workflowinstance API, §10), so the
    // CRVS processes can only be main processes. Decision: declare them; the camel routes for them
    // are not config keys the stack manages (UNCONFIRMED whether 1.2.0.1 routes them without).
    regproc["registration.processor.main-processes"] = { contains: processes };
  }

  // §3 / §12.1 / §12.2: PMS accepts a credential type in a policy only when listed here.
  pms["pmp.allowed.credential.types"] = {
    contains: [opts.credentialType ?? (newer ? "vercred" : "opencrvs")],
  };

  const out: DeclaredProperties = {};
  for (const [file, keys] of [
    [APPLICATION_FILE, application],
    [PACKET_MANAGER_FILE, packetManager],
    [PMS_FILE, pms],
    [REGPROC_FILE, regproc],
  ] as const)
    if (Object.keys(keys).length > 0) out[file] = keys;
  return out;
}

/**
 * Registration-processor Deployments of MOSIP's Helm charts (namespace `regproc`). Defaults: check
 * them per installation (`kubectl -n regproc get deploy`).
 */
export const REGPROC_DEPLOYMENTS = [
  "regproc/regproc-camel",
  "regproc/regproc-group1",
  "regproc/regproc-group2",
  "regproc/regproc-group3",
  "regproc/regproc-group4",
  "regproc/regproc-group5",
  "regproc/regproc-group6",
  "regproc/regproc-group7",
  "regproc/regproc-notifier",
  "regproc/regproc-pktserver",
  "regproc/regproc-reprocess",
  "regproc/regproc-salt",
  "regproc/regproc-status",
  "regproc/regproc-trans",
  "regproc/regproc-workflow",
];

/**
 * Which Deployments (`namespace/name`) read which file, by MOSIP's default namespaces and chart
 * names. These are defaults, to be checked per installation; `application-default` is read by
 * every MOSIP service, so it restarts all of them.
 */
export function defaultConsumers(): Record<string, string[]> {
  const packetManager = ["packetmanager/packetmanager"];
  const pms = ["pms/pms-partner"];
  return {
    [PACKET_MANAGER_FILE]: packetManager,
    [REGPROC_FILE]: [...REGPROC_DEPLOYMENTS],
    [PMS_FILE]: pms,
    [APPLICATION_FILE]: [...packetManager, ...REGPROC_DEPLOYMENTS, ...pms].sort(),
  };
}

export interface MosipPropertiesArgs {
  /** MOSIP release of the target environment: decides the keys and values. */
  release: MosipRelease;
  /** The CRVS systems: partner ids (audiences) and packet sources. @default source OPENCRVS */
  systems: { partnerId: string; source?: string }[];
  /** Named in the config repo's commit messages. */
  stackName: pulumi.Input<string>;
  /** Options of `declaredProperties`. @default {} */
  declare?: DeclaredPropertiesOptions;
  /**
   * File -> consuming Deployments (`namespace/name`), replacing the defaults per file given.
   * @default defaultConsumers() (MOSIP's default namespaces: check per installation)
   */
  consumers?: Record<string, string[]>;
}

/**
 * The CRVS flows' MOSIP config: one ConfigProperties per file, with per-file change hashes to put on
 * the consumers' pod templates (MOSIP reads these keys at start-up, §3) and who those consumers are.
 */
export class MosipProperties extends pulumi.ComponentResource {
  /** What is declared, per file (the input of each ConfigProperties). */
  declare readonly declared: DeclaredProperties;
  /** The ConfigProperties resource per file. */
  declare readonly files: Record<string, ConfigProperties>;
  /** Per file, sha-256 of its managed values: restart the file's consumers when it changes. */
  declare readonly changeHashes: Record<string, pulumi.Output<string>>;
  /** Per file, the Deployments (`namespace/name`) that read it. */
  declare readonly consumers: Record<string, string[]>;

  constructor(name: string, args: MosipPropertiesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("mosip-crvs:config:MosipProperties", name, {}, opts);
    this.declared = declaredProperties(args.release, args.systems, args.declare);
    const defaults = defaultConsumers();
    this.files = {};
    this.changeHashes = {};
    this.consumers = {};
    for (const [file, keys] of Object.entries(this.declared)) {
      const short = file.replace(/\.properties$/, "");
      this.files[file] = new ConfigProperties(
        `${name}-${short}`,
        { file, keys, stackName: args.stackName },
        { parent: this },
      );
      this.changeHashes[file] = this.files[file].changeHash;
      this.consumers[file] = args.consumers?.[file] ?? defaults[file] ?? [];
    }
    this.registerOutputs({ changeHashes: this.changeHashes, consumers: this.consumers });
  }
}
