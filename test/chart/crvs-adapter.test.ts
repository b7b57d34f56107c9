/* eslint-disable @typescript-eslint/no-explicit-any -- rendered manifests are untyped YAML, checked field by field. */
// Renders charts/crvs-adapter with a Helm-faithful engine (test/chart/render.go: Go text/template
// + sprig + Helm's functions) for the default values and every ci/*-values.yaml, validates the
// values against values.schema.json and every object against the Kubernetes schemas.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Ajv from "ajv";
import { parseAllDocuments, parse as parseYaml } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { Deployment } from "kubernetes-models/apps/v1";
import { Service, ServiceAccount, PersistentVolumeClaim } from "kubernetes-models/v1";
import { Ingress, NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";

const chartDir = join(__dirname, "../../charts/crvs-adapter");
const work = mkdtempSync(join(tmpdir(), "crvs-chart-"));
const renderer = join(work, "render");

type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  [k: string]: unknown;
};

const models: Record<string, new (o: never) => { validate(): void }> = {
  "apps/v1/Deployment": Deployment,
  "v1/Service": Service,
  "v1/ServiceAccount": ServiceAccount,
  "v1/PersistentVolumeClaim": PersistentVolumeClaim,
  "networking.k8s.io/v1/Ingress": Ingress,
  "networking.k8s.io/v1/NetworkPolicy": NetworkPolicy,
};

function render(valueFiles: string[]): { ok: boolean; objects: K8sObject[]; stderr: string } {
  const args = ["-chart", chartDir, "-release", "crvs", "-namespace", "opencrvs"];
  for (const f of valueFiles) args.push("-f", f);
  const r = spawnSync(renderer, args, { encoding: "utf8" });
  if (r.status !== 0) return { ok: false, objects: [], stderr: r.stderr };
  const objects = parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
  return { ok: true, objects, stderr: r.stderr };
}

function valuesFor(file?: string): Record<string, unknown> {
  const base = parseYaml(readFileSync(join(chartDir, "values.yaml"), "utf8"));
  if (!file) return base;
  const over = parseYaml(readFileSync(file, "utf8"));
  const merge = (a: Record<string, unknown>, b: Record<string, unknown>) => {
    for (const [k, v] of Object.entries(b)) {
      const av = a[k];
      if (v && typeof v === "object" && !Array.isArray(v) && av && typeof av === "object") {
        merge(av as Record<string, unknown>, v as Record<string, unknown>);
      } else a[k] = v;
    }
    return a;
  };
  return merge(base, over);
}

const schema = JSON.parse(readFileSync(join(chartDir, "values.schema.json"), "utf8"));
const validateValues = new Ajv({ allErrors: true, strict: false }).compile(schema);

beforeAll(() => {
  execFileSync("go", ["build", "-o", renderer, join(__dirname, "render.go")], {
    env: {
      ...process.env,
      GO111MODULE: "off",
      GOPATH: "/usr/share/gocode",
      GOCACHE: join(work, "gocache"),
    },
    stdio: "pipe",
  });
}, 180_000);

const ciFiles = readdirSync(join(chartDir, "ci"))
  .filter((f) => f.endsWith("-values.yaml"))
  .map((f) => join(chartDir, "ci", f));

describe.each(ciFiles)("chart rendered with %s", (file) => {
  it("passes values.schema.json and renders objects valid against the Kubernetes schemas", () => {
    expect(validateValues(valuesFor(file)), JSON.stringify(validateValues.errors)).toBe(true);
    const { ok, objects, stderr } = render([file]);
    expect(stderr).toBe("");
    expect(ok).toBe(true);
    expect(objects.length).toBeGreaterThanOrEqual(3);
    for (const o of objects) {
      const Model = models[`${o.apiVersion}/${o.kind}`];
      expect(Model, `no schema for ${o.apiVersion} ${o.kind}`).toBeDefined();
      expect(() => new Model(o as never).validate()).not.toThrow();
    }
  });

  it("keeps secure defaults and takes every credential from the existing Secret", () => {
    const values = valuesFor(file) as { existingSecret: string };
    const { objects } = render([file]);
    // The chart must never create a Secret of its own (nothing random, nothing in state).
    expect(objects.filter((o) => o.kind === "Secret")).toEqual([]);
    const dep = objects.find((o) => o.kind === "Deployment") as unknown as {
      spec: { template: { spec: Record<string, any> } };
    };
    const pod = dep.spec.template.spec;
    const c = pod.containers[0];
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(c.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
    });
    expect(c.resources.limits).toMatchObject({
      cpu: expect.any(String),
      memory: expect.any(String),
    });
    expect(c.livenessProbe.httpGet.port).toBe("http");
    expect(c.readinessProbe.httpGet.port).toBe("http");
    expect(c.image).not.toMatch(/:latest$/);
    for (const e of c.env as Array<{ name: string; value?: string; valueFrom?: any }>) {
      if (/SECRET|APIKEY|PASSWORD/.test(e.name)) {
        expect(e.value, `${e.name} must come from the Secret`).toBeUndefined();
        expect(e.valueFrom.secretKeyRef.name).toBe(values.existingSecret);
      }
    }
    const credVolume = pod.volumes.find((v: any) => v.name === "credentials");
    expect(credVolume.secret.secretName).toBe(values.existingSecret);
    expect(credVolume.secret.defaultMode).toBe(0o400);
  });
});

describe("chart failures", () => {
  it("fails with a clear message when existingSecret is missing", () => {
    const r = render([]);
    expect(r.ok).toBe(false);
    expect(r.stderr).toContain("existingSecret is required");
    expect(validateValues(valuesFor())).toBe(false);
  });

  it("refuses an ingress without TLS and a network policy without namespaces", () => {
    const f = join(work, "bad-ingress.yaml");
    writeFileSync(f, "existingSecret: s\ningress: {enabled: true, host: cb.example.org}\n");
    expect(render([f]).stderr).toContain("ingress.tlsSecretName is required");
    const g = join(work, "bad-netpol.yaml");
    writeFileSync(g, "existingSecret: s\nnetworkPolicy: {enabled: true}\n");
    expect(render([g]).stderr).toContain("networkPolicy.allowedNamespaces must list");
  });

  it("refuses the latest tag and an insecure security context in values.schema.json", () => {
    expect(
      validateValues({
        ...valuesFor(),
        existingSecret: "s",
        image: { repository: "r", tag: "latest" },
      }),
    ).toBe(false);
    expect(
      validateValues({
        ...valuesFor(),
        existingSecret: "s",
        securityContext: { readOnlyRootFilesystem: false },
      }),
    ).toBe(false);
  });
});
