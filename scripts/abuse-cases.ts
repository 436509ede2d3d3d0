/** `npm run docs:abuse`: writes docs/abuse-cases.md from the table in test/security/cases/. */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { casesMarkdown } from '../test/security/cases/index.js';

const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../docs/abuse-cases.md');
fs.writeFileSync(file, casesMarkdown());
console.log(`wrote ${path.relative(process.cwd(), file)}`);
