import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { getDatamodel } from '../../generated/pothos-types.js';
import { type DefaultKind, readSchemaFacts, type SchemaFacts } from './schema-facts.js';

/** The model metadata the fast path is built from, once per data layer. */

export type ScalarType = 'String' | 'Int' | 'BigInt' | 'Float' | 'Boolean' | 'DateTime' | 'Enum';

/** A field of the generated datamodel (`getDatamodel()` of src/generated/pothos-types.ts). */
export interface DatamodelField {
  name: string;
  kind: string;
  type: string;
  isRequired: boolean;
  isList: boolean;
  isId: boolean;
  isUnique: boolean;
  hasDefaultValue: boolean;
  isUpdatedAt?: boolean;
}

export interface Datamodel {
  models: Record<string, { fields: readonly DatamodelField[]; primaryKey: unknown }>;
}

export interface FastPathMetadata {
  datamodel: Datamodel;
  /** The text of schema.prisma the client was generated from. */
  schema: string;
}

export interface FastField {
  name: string;
  column: string;
  type: ScalarType;
  /** The schema's type name: `Int`, `Role`, ... */
  typeName: string;
  enumValues: ReadonlySet<string> | null;
  required: boolean;
  isId: boolean;
  isUnique: boolean;
  default: DefaultKind | null;
  updatedAt: boolean;
}

export interface FastModel {
  name: string;
  /** The client property: `InventoryItem` -> `inventoryItem` (Prisma's error messages name it). */
  key: string;
  table: string;
  /** Scalar fields in model order: the key order of every result. */
  fields: readonly FastField[];
  byName: ReadonlyMap<string, FastField>;
  /** Relation field names: present in data or where, they send the call to Prisma. */
  relations: ReadonlySet<string>;
  id: FastField | null;
  /** Why no call of this model is handled, or null. */
  unsupported: string | null;
  /** Why creates of this model are not handled, or null. */
  createUnsupported: string | null;
  /** `@default(now())` and `@updatedAt` fields: Prisma stamps them with `new Date()` on create. */
  stampedOnCreate: readonly FastField[];
  /** `@updatedAt` fields: Prisma stamps them on every update. */
  stampedOnUpdate: readonly FastField[];
}

const SCALARS: ReadonlySet<string> = new Set(['String', 'Int', 'BigInt', 'Float', 'Boolean', 'DateTime']);

function describeField(
  model: string,
  field: DatamodelField,
  facts: SchemaFacts,
): { field: FastField | null; problem: string | null } {
  const fieldFacts = facts.models.get(model)?.fields.get(field.name);
  if (!fieldFacts) return { field: null, problem: `${model}.${field.name} is not in schema.prisma` };
  const updatedAt = field.isUpdatedAt ?? false;
  // The generated client and the schema text must describe the same model, or the defaults lie.
  if ((fieldFacts.default !== null) !== field.hasDefaultValue || fieldFacts.updatedAt !== updatedAt) {
    throw new Error(
      `fast path: schema.prisma and the generated client disagree on ${model}.${field.name}: run prisma generate`,
    );
  }
  const enumFacts = field.kind === 'enum' ? facts.enums.get(field.type) : undefined;
  let problem: string | null = null;
  if (field.isList) problem = `${model}.${field.name} is a list`;
  else if (field.kind === 'enum' && (!enumFacts || enumFacts.mapped))
    problem = `${model}.${field.name}: enum ${field.type} has mapped values`;
  else if (field.kind === 'scalar' && !SCALARS.has(field.type))
    problem = `${model}.${field.name} is a ${field.type}`;
  return {
    problem,
    field: {
      name: field.name,
      column: fieldFacts.column ?? field.name,
      type: field.kind === 'enum' ? 'Enum' : (field.type as ScalarType),
      typeName: field.type,
      enumValues: enumFacts ? new Set(enumFacts.values) : null,
      required: field.isRequired,
      isId: field.isId,
      isUnique: field.isUnique,
      default: fieldFacts.default,
      updatedAt,
    },
  };
}

function describeModel(name: string, datamodel: Datamodel, facts: SchemaFacts): FastModel {
  const source = datamodel.models[name];
  const modelFacts = facts.models.get(name);
  if (!source || !modelFacts) throw new Error(`fast path: model ${name} is not in schema.prisma`);
  const fields: FastField[] = [];
  const relations = new Set<string>();
  const problems: string[] = [];
  for (const field of source.fields) {
    if (field.kind === 'object') {
      relations.add(field.name);
      continue;
    }
    const described = describeField(name, field, facts);
    if (described.problem) problems.push(described.problem);
    if (described.field) fields.push(described.field);
  }
  const ids = fields.filter((f) => f.isId);
  if (source.primaryKey !== null || ids.length !== 1) problems.push(`${name} has no single @id field`);
  const generated = fields.filter(
    (f) => f.default === 'generated' || (f.default === 'literal' && f.type === 'DateTime'),
  );
  return {
    name,
    key: name.charAt(0).toLowerCase() + name.slice(1),
    table: modelFacts.table ?? name,
    fields,
    byName: new Map(fields.map((f) => [f.name, f])),
    relations,
    id: ids.length === 1 ? (ids[0] ?? null) : null,
    unsupported: problems.length > 0 ? problems.join('; ') : null,
    // A literal DateTime default is stored as the migration wrote it, not as Prisma would send it.
    createUnsupported:
      generated.length > 0 ? `generated defaults: ${generated.map((f) => f.name).join(', ')}` : null,
    stampedOnCreate: fields.filter((f) => f.default === 'now' || f.updatedAt),
    stampedOnUpdate: fields.filter((f) => f.updatedAt),
  };
}

export function describeModels(metadata: FastPathMetadata): Map<string, FastModel> {
  const facts = readSchemaFacts(metadata.schema);
  return new Map(
    Object.keys(metadata.datamodel.models).map((name) => [
      name,
      describeModel(name, metadata.datamodel, facts),
    ]),
  );
}

const schemaFile = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../prisma/schema.prisma',
);

/** This project's metadata: the generated datamodel and the schema.prisma it came from. */
export function projectMetadata(): FastPathMetadata {
  return { datamodel: getDatamodel().datamodel, schema: fs.readFileSync(schemaFile, 'utf8') };
}
