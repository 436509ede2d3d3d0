/**
 * What the fast path needs from schema.prisma that the generated datamodel leaves out: which
 * default each field has (Prisma fills `now()` and `@updatedAt` in JS, the database fills
 * `autoincrement()` and literals), `@map` / `@@map` names and enum values.
 */

export type DefaultKind = 'autoincrement' | 'now' | 'literal' | 'generated';

export interface FieldFacts {
  default: DefaultKind | null;
  updatedAt: boolean;
  /** `@map("...")`, or null. */
  column: string | null;
}

export interface ModelFacts {
  /** `@@map("...")`, or null. */
  table: string | null;
  fields: Map<string, FieldFacts>;
}

export interface EnumFacts {
  values: string[];
  /** A value with `@map` is stored under another name: the fast path does not translate those. */
  mapped: boolean;
}

export interface SchemaFacts {
  models: Map<string, ModelFacts>;
  enums: Map<string, EnumFacts>;
}

/** The text of a line before its `//` comment, ignoring `//` inside string literals. */
function withoutComment(line: string): string {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '\\' && quoted) i++;
    else if (c === '"') quoted = !quoted;
    else if (!quoted && c === '/' && line[i + 1] === '/') return line.slice(0, i);
  }
  return line;
}

/** The argument text of `@name(...)` in `attributes`, balanced over parentheses and strings. */
function attributeArgument(attributes: string, name: string): string | null {
  const match = new RegExp(`${name}\\(`).exec(attributes);
  if (!match) return null;
  const start = match.index + match[0].length;
  let depth = 1;
  let quoted = false;
  for (let i = start; i < attributes.length; i++) {
    const c = attributes[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return attributes.slice(start, i).trim();
  }
  return null;
}

export function classifyDefault(expression: string): DefaultKind {
  if (/^autoincrement\(\s*\)$/.test(expression)) return 'autoincrement';
  if (/^now\(\s*\)$/.test(expression)) return 'now';
  // cuid(), uuid(), nanoid(), ulid(), dbgenerated(...), sequence(), auto(): not reproduced here
  if (/^[A-Za-z_]\w*\s*\(/.test(expression)) return 'generated';
  return 'literal';
}

function mapName(attributes: string, attribute: '@map' | '@@map'): string | null {
  const argument = attributeArgument(attributes, attribute);
  if (argument === null) return null;
  const name = /^(?:name\s*:\s*)?"([^"]*)"/.exec(argument);
  return name?.[1] ?? null;
}

export function readSchemaFacts(schema: string): SchemaFacts {
  const facts: SchemaFacts = { models: new Map(), enums: new Map() };
  let block: { kind: 'model'; facts: ModelFacts } | { kind: 'enum'; facts: EnumFacts } | null = null;
  for (const raw of schema.split('\n')) {
    const line = withoutComment(raw).trim();
    if (line === '') continue;
    if (block === null) {
      const open = /^(model|enum)\s+(\w+)\s*\{$/.exec(line);
      if (!open?.[1] || !open[2]) continue;
      if (open[1] === 'model') {
        const model: ModelFacts = { table: null, fields: new Map() };
        facts.models.set(open[2], model);
        block = { kind: 'model', facts: model };
      } else {
        const values: EnumFacts = { values: [], mapped: false };
        facts.enums.set(open[2], values);
        block = { kind: 'enum', facts: values };
      }
      continue;
    }
    if (line === '}') {
      block = null;
      continue;
    }
    if (block.kind === 'enum') {
      if (line.startsWith('@@')) continue;
      const [value, ...rest] = line.split(/\s+/);
      if (value) block.facts.values.push(value);
      if (rest.join(' ').includes('@map')) block.facts.mapped = true;
      continue;
    }
    if (line.startsWith('@@')) {
      block.facts.table = mapName(line, '@@map') ?? block.facts.table;
      continue;
    }
    const field = /^(\w+)\s+\S+\s*(.*)$/.exec(line);
    if (!field?.[1]) continue;
    const attributes = field[2] ?? '';
    const expression = attributeArgument(attributes, '@default');
    block.facts.fields.set(field[1], {
      default: expression === null ? null : classifyDefault(expression),
      updatedAt: /@updatedAt\b/.test(attributes),
      column: mapName(attributes, '@map'),
    });
  }
  return facts;
}
