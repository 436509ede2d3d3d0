import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { printSchemaSDL } from '../src/schema/index.js';

// `npm run schema`: rewrites the committed schema.graphql from the Pothos schema.
const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../schema.graphql');
fs.writeFileSync(file, printSchemaSDL());
console.log(`wrote ${path.relative(process.cwd(), file)}`);
