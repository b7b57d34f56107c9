// Reference data of a fresh MOSIP 1.2.0.1 masterdata database that the integration touches: the
// configured languages, the zone and location hierarchies, centre types, holiday locations, days of
// week, machine specifications, the zone mapping of the deployment client and the published ID
// schema. Codes and names are realistic (MOSIP's own sample country) but written for the sandbox.

export interface Languages {
  /** `mosip.mandatory-languages`; the first configured language is MOSIP's "default language". */
  mandatory: string[];
  /** `mosip.optional-languages`. */
  optional: string[];
}

export interface Zone {
  code: string;
  langCode: string;
  name: string;
  hierarchyLevel: number;
  hierarchyName: string;
  parentZoneCode: string | null;
  /** Codes from the root to this zone joined by `/` (MOSIP's `hierarchy_path`). */
  hierarchyPath: string;
  isActive: boolean;
}

export interface Location {
  code: string;
  langCode: string;
  name: string;
  hierarchyLevel: number;
  hierarchyName: string;
  parentLocCode: string | null;
  isActive: boolean;
}

export interface CentreType {
  code: string;
  langCode: string;
  name: string;
  descr: string;
  isActive: boolean;
}

export interface HolidayLocation {
  locationCode: string;
  holidayDate: string;
  holidayName: string;
  langCode: string;
}

export interface DayOfWeek {
  code: string;
  langCode: string;
  name: string;
  daySeq: number;
  isGlobalWorking: boolean;
}

export interface MachineSpec {
  id: string;
  name: string;
  brand: string;
  model: string;
  machineTypeCode: string;
  langCode: string;
  isActive: boolean;
}

export interface SeedZoneUser {
  userId: string;
  zoneCode: string;
  langCode: string;
  isActive: boolean;
}

/** One field of the ID schema's UI-facing `schema` list. */
export interface IdSchemaField {
  id: string;
  inputRequired: boolean;
  type: string;
  minimum: number;
  maximum: number;
  description: string;
  label: Record<string, string>;
  controlType: string | null;
  fieldType: string;
  format: string | null;
  validators: Array<{
    type: string;
    validator: string;
    arguments: string[];
    langCode: string | null;
  }>;
  fieldCategory: string;
  alignmentGroup: string | null;
  contactType: string | null;
  group: string | null;
  groupLabel: Record<string, string> | null;
  changeAction: string | null;
  transliterate: boolean;
  templateName: string | null;
  fieldLayout: string | null;
  locationHierarchy: string | null;
  required: boolean;
  requiredOn: unknown[];
  subType: string | null;
  exceptionPhotoRequired: boolean;
  bioAttributes?: string[] | null;
}

/** `GET /v1/masterdata/idschema/latest` response. */
export interface IdSchema {
  id: string;
  idVersion: number;
  title: string;
  description: string;
  schema: IdSchemaField[];
  /** The draft-07 JSON schema of the identity object, as a JSON string. */
  schemaJson: string;
  status: string;
  effectiveFrom: string;
  createdBy: string;
  updatedBy: string | null;
  createdOn: string;
  updatedOn: string | null;
}

export interface MasterdataSeed {
  languages: Languages;
  zones: Zone[];
  locations: Location[];
  /** `mosip.recommended.centers.locCode`: the location level a centre's `locationCode` must be at. */
  centreLocationLevel: number;
  centreTypes: CentreType[];
  holidays: HolidayLocation[];
  daysOfWeek: DayOfWeek[];
  machineSpecs: MachineSpec[];
  zoneUsers: SeedZoneUser[];
}

/** Languages of MOSIP's application-default.properties (1.2.0.1). */
export const SEED_LANGUAGES: Languages = { mandatory: ["eng"], optional: ["ara", "fra"] };

type Names = Record<"eng" | "ara" | "fra", string>;

function perLanguage<T>(
  langs: string[],
  names: Names,
  make: (lang: string, name: string) => T,
): T[] {
  return langs.map((l) => make(l, names[l as keyof Names] ?? names.eng));
}

// Zones: country -> regions -> provinces (leaf). Leaf zones are where centres may be created.
const ZONE_TREE: Array<{ code: string; parent: string | null; level: number; names: Names }> = [
  { code: "MOR", parent: null, level: 0, names: { eng: "Morocco", ara: "المغرب", fra: "Maroc" } },
  {
    code: "RSK",
    parent: "MOR",
    level: 1,
    names: { eng: "Rabat Sale Kenitra", ara: "الرباط سلا القنيطرة", fra: "Rabat Salé Kénitra" },
  },
  {
    code: "MRS",
    parent: "MOR",
    level: 1,
    names: { eng: "Marrakesh Safi", ara: "مراكش آسفي", fra: "Marrakech Safi" },
  },
  { code: "RAB", parent: "RSK", level: 2, names: { eng: "Rabat", ara: "الرباط", fra: "Rabat" } },
  {
    code: "KTA",
    parent: "RSK",
    level: 2,
    names: { eng: "Kenitra", ara: "القنيطرة", fra: "Kénitra" },
  },
  { code: "SAL", parent: "RSK", level: 2, names: { eng: "Sale", ara: "سلا", fra: "Salé" } },
  {
    code: "MKA",
    parent: "MRS",
    level: 2,
    names: { eng: "Marrakesh", ara: "مراكش", fra: "Marrakech" },
  },
  { code: "SFI", parent: "MRS", level: 2, names: { eng: "Safi", ara: "آسفي", fra: "Safi" } },
];
const ZONE_LEVEL_NAMES = ["Country", "Region", "Province"];

// Locations: Country(0) -> Region(1) -> Province(2) -> City(3) -> Zone(4) -> Postal Code(5).
const LOCATION_TREE: Array<{ code: string; parent: string | null; level: number; names: Names }> = [
  { code: "MOR", parent: null, level: 0, names: { eng: "Morocco", ara: "المغرب", fra: "Maroc" } },
  {
    code: "RSK",
    parent: "MOR",
    level: 1,
    names: { eng: "Rabat Sale Kenitra", ara: "الرباط سلا القنيطرة", fra: "Rabat Salé Kénitra" },
  },
  {
    code: "MRS",
    parent: "MOR",
    level: 1,
    names: { eng: "Marrakesh Safi", ara: "مراكش آسفي", fra: "Marrakech Safi" },
  },
  {
    code: "KTA",
    parent: "RSK",
    level: 2,
    names: { eng: "Kenitra", ara: "القنيطرة", fra: "Kénitra" },
  },
  { code: "RAB", parent: "RSK", level: 2, names: { eng: "Rabat", ara: "الرباط", fra: "Rabat" } },
  {
    code: "MKA",
    parent: "MRS",
    level: 2,
    names: { eng: "Marrakesh", ara: "مراكش", fra: "Marrakech" },
  },
  {
    code: "KNT",
    parent: "KTA",
    level: 3,
    names: { eng: "Kenitra", ara: "القنيطرة", fra: "Kénitra" },
  },
  { code: "RBT", parent: "RAB", level: 3, names: { eng: "Rabat", ara: "الرباط", fra: "Rabat" } },
  {
    code: "MKR",
    parent: "MKA",
    level: 3,
    names: { eng: "Marrakesh", ara: "مراكش", fra: "Marrakech" },
  },
  {
    code: "BNMSK",
    parent: "KNT",
    level: 4,
    names: { eng: "Ben Mansour", ara: "بن منصور", fra: "Ben Mansour" },
  },
  { code: "AGDL", parent: "RBT", level: 4, names: { eng: "Agdal", ara: "أكدال", fra: "Agdal" } },
  {
    code: "MDNA",
    parent: "MKR",
    level: 4,
    names: { eng: "Medina", ara: "المدينة", fra: "Médina" },
  },
  { code: "14022", parent: "BNMSK", level: 5, names: { eng: "14022", ara: "14022", fra: "14022" } },
  { code: "10114", parent: "AGDL", level: 5, names: { eng: "10114", ara: "10114", fra: "10114" } },
  { code: "10112", parent: "AGDL", level: 5, names: { eng: "10112", ara: "10112", fra: "10112" } },
  { code: "40000", parent: "MDNA", level: 5, names: { eng: "40000", ara: "40000", fra: "40000" } },
];
const LOCATION_LEVEL_NAMES = ["Country", "Region", "Province", "City", "Zone", "Postal Code"];

const DAYS: Array<{ code: string; seq: number; working: boolean; names: Names }> = [
  { code: "mon", seq: 2, working: true, names: { eng: "MON", ara: "الاثنين", fra: "LUN" } },
  { code: "tue", seq: 3, working: true, names: { eng: "TUE", ara: "الثلاثاء", fra: "MAR" } },
  { code: "wed", seq: 4, working: true, names: { eng: "WED", ara: "الأربعاء", fra: "MER" } },
  { code: "thu", seq: 5, working: true, names: { eng: "THU", ara: "الخميس", fra: "JEU" } },
  { code: "fri", seq: 6, working: true, names: { eng: "FRI", ara: "الجمعة", fra: "VEN" } },
  { code: "sat", seq: 7, working: false, names: { eng: "SAT", ara: "السبت", fra: "SAM" } },
  { code: "sun", seq: 1, working: false, names: { eng: "SUN", ara: "الأحد", fra: "DIM" } },
];

/** The deployment client's Keycloak service-account user, zone-mapped as the sandbox's DB seed. */
export function serviceAccountUser(clientId: string): string {
  return `service-account-${clientId}`.toLowerCase();
}

export function buildSeed(
  adminClientId: string,
  languages = SEED_LANGUAGES,
  globalAdminUser?: string,
): MasterdataSeed {
  const langs = [...languages.mandatory, ...languages.optional];
  const zones: Zone[] = [];
  const pathOf = (code: string): string => {
    const z = ZONE_TREE.find((t) => t.code === code);
    if (!z) return code;
    return z.parent ? `${pathOf(z.parent)}/${code}` : code;
  };
  for (const z of ZONE_TREE) {
    zones.push(
      ...perLanguage(langs, z.names, (langCode, name) => ({
        code: z.code,
        langCode,
        name,
        hierarchyLevel: z.level,
        hierarchyName: ZONE_LEVEL_NAMES[z.level],
        parentZoneCode: z.parent,
        hierarchyPath: pathOf(z.code),
        isActive: true,
      })),
    );
  }
  const locations: Location[] = [];
  for (const l of LOCATION_TREE) {
    locations.push(
      ...perLanguage(langs, l.names, (langCode, name) => ({
        code: l.code,
        langCode,
        name,
        hierarchyLevel: l.level,
        hierarchyName: LOCATION_LEVEL_NAMES[l.level],
        parentLocCode: l.parent,
        isActive: true,
      })),
    );
  }
  const centreTypes: CentreType[] = [
    ...perLanguage(
      langs,
      { eng: "Regular", ara: "عادي", fra: "Régulier" },
      (langCode, name): CentreType => ({
        code: "REG",
        langCode,
        name,
        descr: "Regular registration centre",
        isActive: true,
      }),
    ),
    ...perLanguage(
      langs,
      { eng: "Mobile", ara: "متنقل", fra: "Mobile" },
      (langCode, name): CentreType => ({
        code: "MBL",
        langCode,
        name,
        descr: "Mobile registration centre",
        isActive: true,
      }),
    ),
  ];
  const holidays: HolidayLocation[] = [];
  for (const loc of ["RSK", "MRS"]) {
    holidays.push(
      ...perLanguage(
        langs,
        { eng: "Throne Day", ara: "عيد العرش", fra: "Fête du Trône" },
        (langCode, holidayName) => ({
          locationCode: loc,
          holidayDate: "2026-07-30",
          holidayName,
          langCode,
        }),
      ),
      ...perLanguage(
        langs,
        { eng: "Independence Day", ara: "عيد الاستقلال", fra: "Fête de l'Indépendance" },
        (langCode, holidayName) => ({
          locationCode: loc,
          holidayDate: "2026-11-18",
          holidayName,
          langCode,
        }),
      ),
    );
  }
  const daysOfWeek: DayOfWeek[] = [];
  for (const d of DAYS) {
    daysOfWeek.push(
      ...perLanguage(langs, d.names, (langCode, name) => ({
        code: d.code,
        langCode,
        name,
        daySeq: d.seq,
        isGlobalWorking: d.working,
      })),
    );
  }
  const machineSpecs: MachineSpec[] = [
    {
      id: "1001",
      name: "Desktop",
      brand: "Dell",
      model: "OptiPlex 7090",
      machineTypeCode: "DKS",
      langCode: languages.mandatory[0],
      isActive: true,
    },
    {
      id: "1002",
      name: "Laptop",
      brand: "Lenovo",
      model: "ThinkPad T14",
      machineTypeCode: "LPT",
      langCode: languages.mandatory[0],
      isActive: true,
    },
    {
      // What a server-side integration (CRVS adapter) registers as its "machine".
      id: "1003",
      name: "Server",
      brand: "Generic",
      model: "Virtual",
      machineTypeCode: "SRV",
      langCode: languages.mandatory[0],
      isActive: true,
    },
  ];
  return {
    languages,
    zones,
    locations,
    centreLocationLevel: 5,
    centreTypes,
    holidays,
    daysOfWeek,
    machineSpecs,
    // Only the deployment client and the human global admin are zone-mapped (root zone, active),
    // as the admin DB seed does for the onboarding admin; mosip-admin-client and the other service
    // accounts are not.
    zoneUsers: [
      serviceAccountUser(adminClientId),
      ...(globalAdminUser ? [globalAdminUser] : []),
    ].map((userId) => ({
      userId,
      zoneCode: "MOR",
      langCode: languages.mandatory[0],
      isActive: true,
    })),
  };
}

// ---------------------------------------------------------------------------------------------
// The ID schema
// ---------------------------------------------------------------------------------------------

function label(eng: string, ara: string, fra: string): Record<string, string> {
  return { eng, ara, fra };
}

function field(
  id: string,
  o: Partial<IdSchemaField> & { type: string; label: Record<string, string> },
): IdSchemaField {
  return {
    id,
    inputRequired: true,
    minimum: 0,
    maximum: 0,
    description: id,
    controlType: "textbox",
    fieldType: "default",
    format: "none",
    validators: [],
    fieldCategory: "pvt",
    alignmentGroup: null,
    contactType: null,
    group: null,
    groupLabel: null,
    changeAction: null,
    transliterate: false,
    templateName: null,
    fieldLayout: null,
    locationHierarchy: null,
    required: false,
    requiredOn: [],
    subType: null,
    exceptionPhotoRequired: false,
    ...o,
  };
}

function regex(pattern: string): IdSchemaField["validators"] {
  return [{ type: "regex", validator: pattern, arguments: [], langCode: null }];
}

const SIMPLE = "simpleType";
const DOCUMENT = "documentType";
const BIOMETRICS = "biometricsType";

/** The demographic, document and biometric fields of MOSIP 1.2.0.1's default identity schema. */
export function defaultIdSchemaFields(): IdSchemaField[] {
  const demographic = (id: string, o: Partial<IdSchemaField> & { label: Record<string, string> }) =>
    field(id, { type: SIMPLE, group: "Demographic", transliterate: true, ...o });
  const address = (id: string, l: Record<string, string>, required: boolean) =>
    demographic(id, {
      label: l,
      required,
      maximum: 50,
      group: "Address",
      validators: regex("^[a-zA-Z0-9 ,./-]{0,50}$"),
      alignmentGroup: "group3",
    });
  const loc = (id: string, l: Record<string, string>, level: string) =>
    demographic(id, {
      label: l,
      required: true,
      controlType: "dropdown",
      fieldType: "default",
      group: "Address",
      transliterate: false,
      locationHierarchy: level,
      subType: level,
    });
  const doc = (id: string, l: Record<string, string>, subType: string, required: boolean) =>
    field(id, {
      type: DOCUMENT,
      label: l,
      controlType: "fileupload",
      fieldCategory: "evidence",
      group: "Documents",
      subType,
      required,
    });
  return [
    field("IDSchemaVersion", {
      type: "number",
      label: label("ID Schema Version", "إصدار مخطط الهوية", "Version du schéma d'identité"),
      controlType: null,
      inputRequired: false,
      fieldCategory: "none",
      required: true,
    }),
    field("UIN", {
      type: "string",
      label: label("UIN", "رقم التعريف الوطني", "NIU"),
      controlType: null,
      inputRequired: false,
      fieldCategory: "none",
      validators: regex("^[0-9]{10,30}$"),
    }),
    demographic("fullName", {
      label: label("Full Name", "الاسم الكامل", "Nom complet"),
      required: true,
      maximum: 50,
      format: "none",
      validators: regex("^(?=.{0,50}$).*"),
    }),
    field("dateOfBirth", {
      type: "string",
      label: label("Date Of Birth", "تاريخ الميلاد", "Date de naissance"),
      controlType: "ageDate",
      format: "YYYY/MM/DD",
      group: "Demographic",
      required: true,
      validators: regex(
        "^(1869|18[7-9][0-9]|19[0-9][0-9]|20[0-9][0-9])/([0][1-9]|1[0-2])/([0][1-9]|[1-2][0-9]|3[01])$",
      ),
    }),
    demographic("gender", {
      label: label("Gender", "جنس", "Le genre"),
      controlType: "dropdown",
      fieldType: "dynamic",
      transliterate: false,
      required: true,
    }),
    demographic("residenceStatus", {
      label: label("Residence Status", "حالة الإقامة", "Statut de résidence"),
      controlType: "dropdown",
      fieldType: "dynamic",
      transliterate: false,
      required: true,
    }),
    address("addressLine1", label("Address Line 1", "العنوان السطر 1", "Adresse 1"), true),
    address("addressLine2", label("Address Line 2", "العنوان السطر 2", "Adresse 2"), false),
    address("addressLine3", label("Address Line 3", "العنوان السطر 3", "Adresse 3"), false),
    loc("region", label("Region", "منطقة", "Région"), "Region"),
    loc("province", label("Province", "المحافظة", "Province"), "Province"),
    loc("city", label("City", "مدينة", "Ville"), "City"),
    loc("zone", label("Zone", "منطقة", "Zone"), "Zone"),
    field("postalCode", {
      type: "string",
      label: label("Postal Code", "الرمز البريدي", "Code postal"),
      controlType: "dropdown",
      group: "Address",
      locationHierarchy: "Postal Code",
      subType: "Postal Code",
      required: true,
      validators: regex("^[(?i)A-Z0-9]{5}$|^NA$"),
    }),
    field("phone", {
      type: "string",
      label: label("Phone", "هاتف", "Téléphone"),
      group: "Contact",
      contactType: "phone",
      required: true,
      validators: regex("^[+]*([0-9]{1})([0-9]{9})$"),
    }),
    field("email", {
      type: "string",
      label: label("Email", "البريد الإلكتروني", "Email"),
      group: "Contact",
      contactType: "email",
      required: true,
      validators: regex(
        "^[A-Za-z0-9_\\-]+(\\.[A-Za-z0-9_]+)*@[A-Za-z0-9_-]+(\\.[A-Za-z0-9_]+)*(\\.[a-zA-Z]{2,})$",
      ),
    }),
    demographic("introducerName", {
      label: label("Introducer Name", "اسم المقدم", "Nom de l'introducteur"),
      group: "IntroducerDetails",
      requiredOn: [{ engine: "MVEL", expr: "identity.get('ageGroup') == 'INFANT'" }],
    }),
    field("introducerRID", {
      type: "string",
      label: label("Introducer RID", "مقدم RID", "Introducteur RID"),
      group: "IntroducerDetails",
      validators: regex("^([0-9]{10,30})$"),
    }),
    field("introducerUIN", {
      type: "string",
      label: label("Introducer UIN", "مقدم UIN", "Introducteur UIN"),
      group: "IntroducerDetails",
      validators: regex("^([0-9]{10,30})$"),
    }),
    field("individualBiometrics", {
      type: BIOMETRICS,
      label: label("Individual Biometrics", "القياسات الحيوية الفردية", "Biométrie individuelle"),
      controlType: "biometrics",
      fieldCategory: "pvt",
      group: "Biometrics",
      subType: "applicant",
      required: true,
      exceptionPhotoRequired: true,
      bioAttributes: [
        "leftEye",
        "rightEye",
        "rightIndex",
        "rightLittle",
        "rightRing",
        "rightMiddle",
        "leftIndex",
        "leftLittle",
        "leftRing",
        "leftMiddle",
        "leftThumb",
        "rightThumb",
        "face",
      ],
    }),
    field("introducerBiometrics", {
      type: BIOMETRICS,
      label: label(
        "Introducer Biometrics",
        "القياسات الحيوية للمقدم",
        "Biométrie de l'introducteur",
      ),
      controlType: "biometrics",
      group: "Biometrics",
      subType: "introducer",
      bioAttributes: ["face"],
    }),
    doc(
      "proofOfAddress",
      label("Address Proof", "إثبات العنوان", "Justificatif de domicile"),
      "POA",
      false,
    ),
    doc(
      "proofOfIdentity",
      label("Identity Proof", "إثبات الهوية", "Preuve d'identité"),
      "POI",
      false,
    ),
    doc(
      "proofOfRelationship",
      label("Relationship Proof", "إثبات العلاقة", "Preuve de relation"),
      "POR",
      false,
    ),
    doc(
      "proofOfDateOfBirth",
      label("DOB Proof", "إثبات تاريخ الميلاد", "Preuve de date de naissance"),
      "POB",
      false,
    ),
    doc(
      "proofOfException",
      label("Exception Proof", "إثبات الاستثناء", "Preuve d'exception"),
      "POE",
      false,
    ),
    field("preferredLang", {
      type: "string",
      label: label("Preferred Language", "اللغة المفضلة", "Langue préférée"),
      controlType: "dropdown",
      fieldType: "dynamic",
      inputRequired: false,
    }),
    field("referenceIdentityNumber", {
      type: "string",
      label: label(
        "Reference Identity Number",
        "رقم الهوية المرجعية",
        "Numéro d'identité de référence",
      ),
      validators: regex("^([0-9]{10,30})$"),
    }),
  ];
}

function jsonType(f: IdSchemaField): Record<string, unknown> {
  const base: Record<string, unknown> = { bioAttributes: f.bioAttributes ?? undefined };
  const out: Record<string, unknown> = {
    fieldCategory: f.fieldCategory,
    format: f.format ?? "none",
  };
  if (f.type === SIMPLE || f.type === DOCUMENT || f.type === BIOMETRICS) {
    out.$ref = `#/definitions/${f.type}`;
  } else {
    out.type = f.type;
  }
  const v = f.validators.find((x) => x.type === "regex");
  if (v) out.validators = [{ type: "regex", validator: v.validator, arguments: [] }];
  if (base.bioAttributes) out.bioAttributes = base.bioAttributes;
  return out;
}

/** Builds the `idschema/latest` response from a field list, with a matching draft-07 schemaJson. */
export function buildIdSchema(fields: IdSchemaField[], idVersion = 0.2): IdSchema {
  const properties: Record<string, unknown> = {};
  for (const f of fields) properties[f.id] = jsonType(f);
  const schemaJson = {
    $schema: "http://json-schema.org/draft-07/schema#",
    description: "MOSIP Sample identity",
    additionalProperties: false,
    title: "MOSIP identity",
    type: "object",
    definitions: {
      simpleType: {
        uniqueItems: true,
        additionalItems: false,
        type: "array",
        items: {
          additionalProperties: false,
          type: "object",
          required: ["language", "value"],
          properties: { language: { type: "string" }, value: { type: "string" } },
        },
      },
      documentType: {
        additionalProperties: false,
        type: "object",
        properties: {
          format: { type: "string" },
          type: { type: "string" },
          value: { type: "string" },
          refNumber: { type: ["string", "null"] },
        },
      },
      biometricsType: {
        additionalProperties: false,
        type: "object",
        properties: {
          format: { type: "string" },
          version: { type: "number", minimum: 0 },
          value: { type: "string" },
        },
      },
    },
    properties: {
      identity: {
        additionalProperties: false,
        type: "object",
        required: fields.filter((f) => f.required).map((f) => f.id),
        properties,
      },
    },
  };
  const now = "2026-01-01T00:00:00.000Z";
  return {
    id: "cf6b7b15-5e24-4b97-8bb3-1e6e4a4e12a1",
    idVersion,
    title: "MOSIP Sample Schema",
    description: "MOSIP Sample identity schema",
    schema: fields,
    schemaJson: JSON.stringify(schemaJson),
    status: "PUBLISHED",
    effectiveFrom: now,
    createdBy: "superadmin",
    updatedBy: null,
    createdOn: now,
    updatedOn: null,
  };
}

/** The published schema minus some fields (tests of the stack's prerequisite check). */
export function idSchemaWithout(names: string[]): IdSchema {
  return buildIdSchema(defaultIdSchemaFields().filter((f) => !names.includes(f.id)));
}
