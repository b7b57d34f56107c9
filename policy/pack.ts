// Turns the pure rules of rules.ts into @pulumi/policy policies for one environment. Kept apart from
// index.ts because constructing a PolicyPack starts the analyzer's gRPC server (one per process):
// tests build the policies here and call their validate functions directly.
import type {
  EnforcementLevel,
  PolicyPackArgs,
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import {
  checkAudienceMerged,
  checkClientIdIsPartnerId,
  checkRedirectUris,
  checkSecrets,
  checkServiceAccountRoles,
  checkUinSharing,
  enforcementFor,
  type CrvsSystemConfig,
  type Environment,
  type ResourceView,
  type Violation,
} from "./rules";

/** The policy pack's name (PolicyPack name, shown by the CLI next to each violation). */
export const PACK_NAME = "mosip-crvs";

/** What the pack is built from: the stack's environment and the parts of its config rules read. */
export interface PackContext {
  environment: Environment;
  /** crvsSystems of the stack config (partner ids, identifiers, legal mandates). */
  crvsSystems: CrvsSystemConfig[];
}

/**
 * A plain copy of a property bag. The policy SDK hands properties behind a proxy that throws when
 * a value is unknown (during preview); an unknown value becomes undefined here, so a rule skips it
 * instead of the whole policy being reported as "can't run during preview".
 */
export function plain(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== "object" || depth > 32) return value;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (let i = 0; i < value.length; i++) out.push(plain(safeGet(value, i), depth + 1));
    return out;
  }
  // Assets, archives and other class instances carry no rule-relevant data.
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return undefined;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value)) {
    const v = plain(safeGet(value, k), depth + 1);
    if (v !== undefined) out[k] = v;
  }
  return out;
}

function safeGet(o: object, k: string | number): unknown {
  try {
    return (o as Record<string | number, unknown>)[k];
  } catch {
    return undefined;
  }
}

/** A resource under validation or a stack resource, as plain data for the rules. */
export function toView(r: {
  type: string;
  name: string;
  urn: string;
  props: Record<string, unknown>;
  opts?: { additionalSecretOutputs?: string[] };
  propertyDependencies?: Record<string, { urn: string }[]>;
}): ResourceView {
  const deps: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(r.propertyDependencies ?? {})) deps[k] = v.map((d) => d.urn);
  return {
    type: r.type,
    name: r.name,
    urn: r.urn,
    props: (plain(r.props) as Record<string, unknown>) ?? {},
    secretOutputs: [...(r.opts?.additionalSecretOutputs ?? [])],
    propertyDependencies: deps,
  };
}

function reportAll(violations: Violation[], report: ReportViolation): void {
  for (const v of violations) report(v.message, v.urn);
}

function resourcePolicy(
  name: string,
  description: string,
  level: EnforcementLevel,
  check: (r: ResourceView) => Violation[],
): ResourceValidationPolicy {
  return {
    name,
    description,
    enforcementLevel: level,
    validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
      // Resource rules report against the resource validated; the CLI names it.
      for (const v of check(toView(args))) report(v.message);
    },
  };
}

function stackPolicy(
  name: string,
  description: string,
  level: EnforcementLevel,
  check: (rs: ResourceView[], args: StackValidationArgs) => Violation[],
  configSchema?: StackValidationPolicy["configSchema"],
): StackValidationPolicy {
  return {
    name,
    description,
    enforcementLevel: level,
    ...(configSchema ? { configSchema } : {}),
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
      const views = args.resources.map((r: PolicyResource) => toView(r));
      reportAll(check(views, args), report);
    },
  };
}

/** The policies with their enforcement level for the stack's environment. */
export function buildPolicyPackArgs(ctx: PackContext): PolicyPackArgs {
  const level = enforcementFor(ctx.environment);
  const env = ctx.environment;
  return {
    enforcementLevel: level,
    description:
      "MOSIP <-> CRVS integration guardrails: mandatory in production stacks, advisory in development ones",
    policies: [
      resourcePolicy(
        "mosip-no-wildcard-or-http-redirects",
        "Redirect URIs and callbacks have no * and use https (loopback http only in development).",
        level,
        (r) => checkRedirectUris(r, env),
      ),
      stackPolicy(
        "mosip-no-uin-without-legal-mandate",
        "A PMS policy shares the UIN only with partners whose crvsSystems entry is identifier UIN with legallyMandated: true.",
        level,
        (rs) => checkUinSharing(rs, ctx.crvsSystems),
      ),
      stackPolicy(
        "mosip-crvs-client-roles",
        "The CRVS client's service account holds only the roles the integration needs, never an admin role.",
        level,
        (rs, args) => {
          const cfg = args.getConfig<{ extraAllowedRoles?: string[] }>();
          return checkServiceAccountRoles(rs, cfg.extraAllowedRoles ?? []);
        },
        {
          properties: {
            extraAllowedRoles: {
              type: "array",
              items: { type: "string" },
              description:
                "Extra realm roles a CRVS client may hold (e.g. REGISTRATION_PROCESSOR on releases before ONLINE_REGISTRATION_CLIENT); admin roles stay forbidden.",
              default: [],
            },
          },
        },
      ),
      stackPolicy(
        "mosip-client-id-is-partner-id",
        "Each Keycloak client id equals a PMS partner id, and WebSub topics are <clientId>/...",
        level,
        (rs) =>
          checkClientIdIsPartnerId(
            rs,
            ctx.crvsSystems.map((s) => s.partnerId),
          ),
      ),
      resourcePolicy(
        "mosip-audience-merged",
        "auth.server.admin.allowed.audience is merged with contains, never replaced with equals.",
        level,
        (r) => checkAudienceMerged(r),
      ),
      stackPolicy(
        "mosip-secrets-as-secrets",
        "Client secrets, hub secrets, API keys and private keys are secret outputs; no credential in plain text.",
        level,
        (rs) => checkSecrets(rs),
      ),
    ],
  };
}
