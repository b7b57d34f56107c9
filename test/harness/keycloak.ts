// Applies the @pulumi/keycloak resources the stack uses to a Keycloak admin REST API, the way
// the Keycloak provider plugin (terraform-provider-keycloak) does, since the plugin cannot be
// installed here. Inputs and outputs use the provider's property names, so a state written here
// reads like one written by the real plugin. Only the resource types the stack declares are
// supported; anything else is refused with a message naming the type.
import { changedKeys, isSecret, type Props, reveal, secret } from "./values";

export interface KeycloakProviderConfig {
  url: string;
  basePath?: string;
  realm?: string;
  clientId?: string;
  clientSecret?: string;
  username?: string;
  password?: string;
}

export interface KcResult {
  id: string;
  outputs: Props;
}

export const KEYCLOAK_TYPES = {
  client: "keycloak:openid/client:Client",
  role: "keycloak:index/role:Role",
  saRole: "keycloak:openid/clientServiceAccountRealmRole:ClientServiceAccountRealmRole",
  user: "keycloak:index/user:User",
  userRoles: "keycloak:index/userRoles:UserRoles",
} as const;

/** Input properties whose change replaces the object (ForceNew in the provider schema). */
const REPLACE_ON: Record<string, string[]> = {
  [KEYCLOAK_TYPES.client]: ["realmId", "clientId"],
  [KEYCLOAK_TYPES.role]: ["realmId", "name"],
  [KEYCLOAK_TYPES.saRole]: ["realmId", "serviceAccountUserId", "role"],
  // attributes: the stack's only users with attributes are auth-partner users, whose attribute is
  // the password's rotation stamp and which it marks replaceOnChanges: ["attributes"] (the harness
  // does not read resource options).
  [KEYCLOAK_TYPES.user]: ["realmId", "username", "attributes"],
  [KEYCLOAK_TYPES.userRoles]: ["realmId", "userId"],
};

export function keycloakDiff(
  type: string,
  olds: Props,
  news: Props,
): { changes: string[]; replaces: string[] } {
  // The provider does not diff write-only values such as the initial password after creation.
  const ignore = type === KEYCLOAK_TYPES.user ? ["initialPassword"] : [];
  const changes = changedKeys(olds, news, ignore);
  return { changes, replaces: changes.filter((k) => REPLACE_ON[type]?.includes(k)) };
}

export class KeycloakApplier {
  private token?: { value: string; until: number };
  requests = 0;

  constructor(private readonly cfg: KeycloakProviderConfig) {}

  static supports(type: string): boolean {
    return (Object.values(KEYCLOAK_TYPES) as string[]).includes(type);
  }

  private base(): string {
    return `${this.cfg.url.replace(/\/$/, "")}${this.cfg.basePath ?? ""}`;
  }

  private async accessToken(): Promise<string> {
    if (this.token && this.token.until > Date.now()) return this.token.value;
    const form = new URLSearchParams({ client_id: this.cfg.clientId ?? "admin-cli" });
    if (this.cfg.username) {
      form.set("grant_type", "password");
      form.set("username", this.cfg.username);
      form.set("password", this.cfg.password ?? "");
    } else {
      form.set("grant_type", "client_credentials");
      form.set("client_secret", this.cfg.clientSecret ?? "");
    }
    if (this.cfg.clientSecret && this.cfg.username)
      form.set("client_secret", this.cfg.clientSecret);
    const realm = this.cfg.realm ?? "master";
    // A token grant changes nothing, so it is retried like a read.
    const res = await this.send(`${this.base()}/realms/${realm}/protocol/openid-connect/token`, {
      method: "POST",
      body: form,
    });
    if (!res.ok) {
      throw new Error(
        `Keycloak refused the provider's admin credentials (HTTP ${res.status} from realm ${realm}): ` +
          "check the keycloak provider's username/password or client secret",
      );
    }
    const body = (await res.json()) as { access_token: string; expires_in: number };
    this.token = { value: body.access_token, until: Date.now() + (body.expires_in - 10) * 1000 };
    return body.access_token;
  }

  private async call<T>(
    method: string,
    path: string,
    body?: unknown,
    okMissing = false,
  ): Promise<T | undefined> {
    // Reads, PUTs, DELETEs and role-mapping POSTs (adding a mapping Keycloak already has is a
    // no-op) are repeatable; a create POST is not: its answer may be lost after Keycloak acted.
    const repeatable = method !== "POST" || path.includes("/role-mappings/");
    const send = async () =>
      this.send(
        `${this.base()}/admin/realms/${path}`,
        {
          method,
          headers: {
            authorization: `Bearer ${await this.accessToken()}`,
            ...(body === undefined ? {} : { "content-type": "application/json" }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        },
        repeatable,
      );
    let res = await send();
    if (res.status === 401) {
      // Expired or revoked token: Keycloak refused before acting, so log in again and resend once.
      this.token = undefined;
      res = await send();
    }
    if (res.status === 404 && okMissing) return undefined;
    if (!res.ok) {
      const text = (await res.text()).slice(0, 300);
      throw new Error(
        `Keycloak ${method} /admin/realms/${path} failed with HTTP ${res.status}: ${text}`,
      );
    }
    if (res.status === 201) {
      const loc = res.headers.get("location") ?? "";
      return { id: loc.slice(loc.lastIndexOf("/") + 1) } as T;
    }
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /**
   * One HTTP request; a repeatable one is sent again (up to 4 attempts, 100/200/400 ms apart) after
   * a network error or a 5xx answer, so one transient fault does not fail a whole run (and a lost
   * answer to the read after a create does not leave an object Keycloak has but the state lacks).
   */
  private async send(url: string, init: RequestInit, repeatable = true): Promise<Response> {
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await fetch(url, init);
        this.requests++;
        if (!repeatable || res.status < 500 || attempt >= 4) return res;
        await res.body?.cancel();
      } catch (e) {
        this.requests++;
        if (!repeatable || attempt >= 4) {
          const cause = (e as { cause?: { code?: string; message?: string } }).cause;
          throw new Error(
            `Keycloak ${init.method ?? "GET"} ${new URL(url).pathname} got no answer (${cause?.code ?? cause?.message ?? (e as Error).message})${repeatable ? ` after ${attempt} attempts` : ""}: check that Keycloak is up and reachable, then re-run`,
          );
        }
      }
      await new Promise((r) => setTimeout(r, 100 * 2 ** (attempt - 1)));
    }
  }

  async invoke(token: string, args: Props): Promise<Props> {
    if (token === "keycloak:index/getRole:getRole") {
      const role = await this.call<Props>(
        "GET",
        `${args.realmId}/roles/${encodeURIComponent(String(args.name))}`,
        undefined,
        true,
      );
      if (!role)
        throw new Error(`role ${String(args.name)} not found in realm ${String(args.realmId)}`);
      return {
        id: role.id,
        realmId: args.realmId,
        name: role.name,
        description: role.description ?? "",
      };
    }
    throw new Error(`the harness does not implement the invoke ${token}`);
  }

  /**
   * Runs a create; when Keycloak answers 409 (the object exists), looks it up by its natural key
   * instead. Only a killed run leaves such an object (created, but never recorded in state): the
   * harness adopts it, where the Pulumi CLI reports the interrupted create and the provider plugin
   * would fail with the 409 until the object is imported (`pulumi import`) or deleted by hand.
   */
  private async adoptOn409<T>(
    create: () => Promise<T | undefined>,
    find: () => Promise<T | undefined>,
  ): Promise<T | undefined> {
    try {
      return await create();
    } catch (e) {
      if (!/ failed with HTTP 409:/.test((e as Error).message)) throw e;
      const found = await find();
      if (!found) throw e;
      return found;
    }
  }

  async create(type: string, inputs: Props): Promise<KcResult> {
    const i = reveal(inputs) as Props;
    const realm = String(i.realmId);
    switch (type) {
      case KEYCLOAK_TYPES.client: {
        const created = await this.adoptOn409(
          () => this.call<{ id: string }>("POST", `${realm}/clients`, clientRep(i)),
          async () =>
            (
              await this.call<Props[]>(
                "GET",
                `${realm}/clients?clientId=${encodeURIComponent(String(i.clientId))}`,
              )
            )?.[0] as { id: string } | undefined,
        );
        return { id: created!.id, outputs: await this.readClient(realm, created!.id, inputs) };
      }
      case KEYCLOAK_TYPES.role: {
        await this.adoptOn409(
          () =>
            this.call("POST", `${realm}/roles`, { name: i.name, description: i.description ?? "" }),
          async () => ({}),
        );
        const role = await this.call<Props>(
          "GET",
          `${realm}/roles/${encodeURIComponent(String(i.name))}`,
        );
        return {
          id: String(role!.id),
          outputs: { ...inputs, description: role!.description ?? "" },
        };
      }
      case KEYCLOAK_TYPES.saRole: {
        const role = await this.call<Props>(
          "GET",
          `${realm}/roles/${encodeURIComponent(String(i.role))}`,
        );
        await this.call("POST", `${realm}/users/${i.serviceAccountUserId}/role-mappings/realm`, [
          { id: role!.id, name: role!.name },
        ]);
        return { id: `${i.serviceAccountUserId}/${role!.id}`, outputs: { ...inputs } };
      }
      case KEYCLOAK_TYPES.user: {
        const pw = i.initialPassword as { value: string; temporary?: boolean } | undefined;
        let adopted = false;
        const created = await this.adoptOn409(
          () =>
            this.call<{ id: string }>("POST", `${realm}/users`, {
              username: i.username,
              enabled: i.enabled ?? true,
              email: i.email,
              firstName: i.firstName,
              lastName: i.lastName,
              credentials: pw
                ? [{ type: "password", value: pw.value, temporary: pw.temporary ?? false }]
                : [],
            }),
          async () => {
            adopted = true;
            return (
              await this.call<Props[]>(
                "GET",
                `${realm}/users?username=${encodeURIComponent(String(i.username))}&exact=true`,
              )
            )?.[0] as { id: string } | undefined;
          },
        );
        // An adopted user gets the declared password: the killed run may have set another one.
        if (adopted && pw)
          await this.call("PUT", `${realm}/users/${created!.id}/reset-password`, {
            type: "password",
            value: pw.value,
            temporary: pw.temporary ?? false,
          });
        return { id: created!.id, outputs: { ...inputs } };
      }
      case KEYCLOAK_TYPES.userRoles: {
        await this.setUserRoles(
          realm,
          String(i.userId),
          (i.roleIds as string[]) ?? [],
          i.exhaustive !== false,
        );
        return { id: String(i.userId), outputs: { ...inputs } };
      }
    }
    throw new Error(`the harness has no Keycloak implementation for ${type}`);
  }

  async update(type: string, id: string, inputs: Props): Promise<Props> {
    const i = reveal(inputs) as Props;
    const realm = String(i.realmId);
    switch (type) {
      case KEYCLOAK_TYPES.client:
        await this.call("PUT", `${realm}/clients/${id}`, { id, ...clientRep(i) });
        return this.readClient(realm, id, inputs);
      case KEYCLOAK_TYPES.role:
        await this.call("PUT", `${realm}/roles-by-id/${id}`, {
          id,
          name: i.name,
          description: i.description ?? "",
        });
        return { ...inputs };
      case KEYCLOAK_TYPES.user:
        await this.call("PUT", `${realm}/users/${id}`, {
          username: i.username,
          enabled: i.enabled ?? true,
          email: i.email,
          firstName: i.firstName,
          lastName: i.lastName,
        });
        return { ...inputs };
      case KEYCLOAK_TYPES.userRoles:
        await this.setUserRoles(realm, id, (i.roleIds as string[]) ?? [], i.exhaustive !== false);
        return { ...inputs };
    }
    throw new Error(`the harness cannot update ${type} in place`);
  }

  /** Live state in the input shape, or undefined when the object is gone. */
  async read(type: string, id: string, inputs: Props): Promise<Props | undefined> {
    const i = reveal(inputs) as Props;
    const realm = String(i.realmId);
    switch (type) {
      case KEYCLOAK_TYPES.client: {
        const c = await this.call<Props>("GET", `${realm}/clients/${id}`, undefined, true);
        return c ? this.readClient(realm, id, inputs, c) : undefined;
      }
      case KEYCLOAK_TYPES.role: {
        const r = await this.call<Props>("GET", `${realm}/roles-by-id/${id}`, undefined, true);
        return r ? { ...inputs, name: r.name, description: r.description ?? "" } : undefined;
      }
      case KEYCLOAK_TYPES.saRole: {
        const [userId, roleId] = id.split("/");
        const roles = await this.call<Props[]>(
          "GET",
          `${realm}/users/${userId}/role-mappings/realm`,
          undefined,
          true,
        );
        const found = roles?.find((r) => r.id === roleId);
        return found ? { ...inputs, role: found.name } : undefined;
      }
      case KEYCLOAK_TYPES.user: {
        const u = await this.call<Props>("GET", `${realm}/users/${id}`, undefined, true);
        if (!u) return undefined;
        const live: Props = { ...inputs, username: u.username, enabled: u.enabled };
        for (const k of ["email", "firstName", "lastName"]) if (k in i) live[k] = u[k];
        return live;
      }
      case KEYCLOAK_TYPES.userRoles: {
        const roles = await this.call<Props[]>(
          "GET",
          `${realm}/users/${id}/role-mappings/realm`,
          undefined,
          true,
        );
        if (!roles) return undefined;
        const declared = (i.roleIds as string[]) ?? [];
        // Roles granted by hand show up as drift only when the mapping is exhaustive.
        const live = roles
          .map((r) => String(r.id))
          .filter((r) => i.exhaustive !== false || declared.includes(r));
        const ordered = [
          ...declared.filter((r) => live.includes(r)),
          ...live.filter((r) => !declared.includes(r)),
        ];
        return { ...inputs, roleIds: ordered };
      }
    }
    throw new Error(`the harness has no Keycloak implementation for ${type}`);
  }

  async delete(type: string, id: string, inputs: Props): Promise<void> {
    const i = reveal(inputs) as Props;
    const realm = String(i.realmId);
    switch (type) {
      case KEYCLOAK_TYPES.client:
        await this.call("DELETE", `${realm}/clients/${id}`, undefined, true);
        return;
      case KEYCLOAK_TYPES.role:
        await this.call("DELETE", `${realm}/roles-by-id/${id}`, undefined, true);
        return;
      case KEYCLOAK_TYPES.saRole: {
        const [userId, roleId] = id.split("/");
        await this.call(
          "DELETE",
          `${realm}/users/${userId}/role-mappings/realm`,
          [{ id: roleId, name: i.role }],
          true,
        );
        return;
      }
      case KEYCLOAK_TYPES.user:
        await this.call("DELETE", `${realm}/users/${id}`, undefined, true);
        return;
      case KEYCLOAK_TYPES.userRoles:
        // A user re-created (password rotation) took its role mappings with it.
        if (!(await this.call("GET", `${realm}/users/${id}`, undefined, true))) return;
        await this.setUserRoles(realm, id, [], true, (i.roleIds as string[]) ?? []);
        return;
    }
    throw new Error(`the harness has no Keycloak implementation for ${type}`);
  }

  private async readClient(realm: string, id: string, inputs: Props, rep?: Props): Promise<Props> {
    const c = rep ?? (await this.call<Props>("GET", `${realm}/clients/${id}`));
    const sa = c!.serviceAccountsEnabled
      ? await this.call<Props>(
          "GET",
          `${realm}/clients/${id}/service-account-user`,
          undefined,
          true,
        )
      : undefined;
    const cred = c!.publicClient
      ? undefined
      : await this.call<{ value: string }>(
          "GET",
          `${realm}/clients/${id}/client-secret`,
          undefined,
          true,
        );
    const out: Props = {
      ...inputs,
      clientId: c!.clientId,
      enabled: c!.enabled,
      accessType: c!.bearerOnly ? "BEARER-ONLY" : c!.publicClient ? "PUBLIC" : "CONFIDENTIAL",
      serviceAccountsEnabled: c!.serviceAccountsEnabled ?? false,
      standardFlowEnabled: c!.standardFlowEnabled ?? false,
      directAccessGrantsEnabled: c!.directAccessGrantsEnabled ?? false,
      validRedirectUris: c!.redirectUris ?? [],
      serviceAccountUserId: sa?.id ?? "",
      clientSecret: secret(cred?.value ?? ""),
    };
    if ("name" in inputs) out.name = c!.name;
    if (inputs.clientSecret !== undefined && !isSecret(inputs.clientSecret))
      out.clientSecret = secret(inputs.clientSecret);
    return out;
  }

  /** Makes the user's realm roles equal the list (exhaustive) or adds the missing ones. */
  private async setUserRoles(
    realm: string,
    userId: string,
    roleIds: string[],
    exhaustive: boolean,
    remove?: string[],
  ) {
    const current =
      (await this.call<Props[]>("GET", `${realm}/users/${userId}/role-mappings/realm`)) ?? [];
    const all = (await this.call<Props[]>("GET", `${realm}/roles`)) ?? [];
    const byId = new Map(all.map((r) => [String(r.id), r]));
    const currentIds = current.map((r) => String(r.id));
    const add = roleIds
      .filter((r) => !currentIds.includes(r))
      .map((r) => ({ id: r, name: byId.get(r)?.name }));
    const drop = (remove ?? (exhaustive ? currentIds.filter((r) => !roleIds.includes(r)) : []))
      .filter((r) => currentIds.includes(r))
      .map((r) => ({ id: r, name: byId.get(r)?.name }));
    if (add.length) await this.call("POST", `${realm}/users/${userId}/role-mappings/realm`, add);
    if (drop.length)
      await this.call("DELETE", `${realm}/users/${userId}/role-mappings/realm`, drop);
  }
}

function clientRep(i: Props): Props {
  const access = String(i.accessType ?? "CONFIDENTIAL").toUpperCase();
  return {
    clientId: i.clientId,
    name: i.name,
    enabled: i.enabled ?? true,
    protocol: "openid-connect",
    publicClient: access === "PUBLIC",
    bearerOnly: access === "BEARER-ONLY",
    serviceAccountsEnabled: i.serviceAccountsEnabled ?? false,
    standardFlowEnabled: i.standardFlowEnabled ?? false,
    directAccessGrantsEnabled: i.directAccessGrantsEnabled ?? false,
    redirectUris: i.validRedirectUris ?? [],
    ...(i.clientSecret ? { secret: i.clientSecret } : {}),
  };
}
