// A random secret made by the stack (a partner user's password, ...): random bytes from
// node:crypto, base64url, kept in state encrypted and exported only as a secret. No provider plugin
// (such as @pulumi/random) can be installed on the machines this stack is built on, so this is a
// dynamic resource; it calls nothing outside the provider host.
//
// The value changes only when the resource is replaced: when `rotation` (any string: a date, a
// ticket number) or `length` changes. A refresh keeps it (there is nothing to read back).
//
// The provider object is serialized into state by Pulumi's closure serializer (see the header of
// components/mosip/dynamic.ts): it references no local module and no module-level value, and
// requires node:crypto inside the function, so the serialized text stays a few hundred bytes.
import * as pulumi from "@pulumi/pulumi";

export interface GeneratedSecretArgs {
  /** Characters of the base64url value (6 bits each). @default 32 */
  length?: pulumi.Input<number>;
  /** Change it to rotate the secret (replacement makes a new value). @default "1" */
  rotation?: pulumi.Input<string>;
}

/** The provider: create makes the value, diff replaces on a rotation or length change. */
export const generatedSecretProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds, news) {
    const n = news.length;
    const ok = typeof n === "number" && Number.isInteger(n) && n >= 16 && n <= 512;
    return ok
      ? { inputs: news }
      : {
          inputs: news,
          failures: [{ property: "length", reason: "length: a whole number from 16 to 512" }],
        };
  },
  async create(inputs) {
    const crypto = require("node:crypto") as typeof import("node:crypto");
    const n = Number(inputs.length);
    const value = crypto
      .randomBytes(Math.ceil((n * 3) / 4))
      .toString("base64url")
      .slice(0, n);
    return { id: crypto.randomUUID(), outs: { ...inputs, value } };
  },
  async diff(_id, olds, news) {
    const replaces = ["length", "rotation"].filter((k) => olds[k] !== news[k]);
    return { changes: replaces.length > 0, replaces, deleteBeforeReplace: false };
  },
};

/**
 * A random base64url string generated once and kept in state (secret output `value`). Rotate it by
 * changing `rotation`.
 */
export class GeneratedSecret extends pulumi.dynamic.Resource {
  declare readonly length: pulumi.Output<number>;
  declare readonly rotation: pulumi.Output<string>;
  /** The secret value. */
  declare readonly value: pulumi.Output<string>;

  constructor(name: string, args: GeneratedSecretArgs = {}, opts?: pulumi.CustomResourceOptions) {
    super(
      generatedSecretProvider,
      name,
      { length: args.length ?? 32, rotation: args.rotation ?? "1", value: undefined },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["value"] }),
      "secret",
      "GeneratedSecret",
    );
  }
}
