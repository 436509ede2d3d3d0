import { lexicographicSortSchema, printSchema } from 'graphql';
import { builder } from './builder.js';
import './user.js';
import './auth.js';
import './warehouse.js';
import './crate.js';
import './inventory.js';
import './order.js';
import './signals.js';
import './subscriptions.js';
import './node.js';

builder.mutationType({});

export function buildSchema() {
  return builder.toSchema();
}

/** The SDL committed as schema.graphql (sorted, so the diff shows real changes only). */
export function printSchemaSDL(): string {
  return `${printSchema(lexicographicSortSchema(buildSchema()))}\n`;
}
