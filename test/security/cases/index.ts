/**
 * Bad inputs and abuse cases, each with what the server answers. test/security/cases.test.ts runs
 * every row through the real yoga server; scripts/abuse-cases.ts prints the table as
 * docs/abuse-cases.md (a test fails when the two drift apart).
 */
import { DOCUMENTS_CASES } from './documents.js';
import { HTTP_CASES } from './http.js';
import { IDS_CASES } from './ids.js';
import { INPUTS_CASES } from './inputs.js';
import type { AbuseCase } from './shape.js';
import { SIGN_IN_CASES } from './sign-in.js';

export type { AbuseCase, Body, Fixture, Role, Send } from './shape.js';

export const CASES: AbuseCase[] = [
  ...DOCUMENTS_CASES,
  ...INPUTS_CASES,
  ...IDS_CASES,
  ...SIGN_IN_CASES,
  ...HTTP_CASES,
];

/** The rows as docs/abuse-cases.md shows them. */
export function casesMarkdown(cases: readonly AbuseCase[] = CASES): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const lines = [
    '# Bad inputs and abuse cases',
    '',
    'What the server answers to each. Generated from `test/security/cases/` by `npm run docs:abuse`;',
    'every row is a test (`test/security/cases.test.ts`) through the real yoga server, which also checks',
    'that no answer carries a stack trace or an internal message. Limits are the defaults of',
    '`src/server/config.ts` (README, "Operations / limits").',
    '',
    '| # | area | sent | as | answer | notes |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  cases.forEach((c, i) => {
    const answer = `${c.expect.code ?? 'data, no error'} (HTTP ${c.expect.status})`;
    lines.push(
      `| ${i + 1} | ${c.area} | ${cell(c.sent)} | ${c.as} | ${answer} | ${cell(c.expect.note ?? '')} |`,
    );
  });
  return `${lines.join('\n')}\n`;
}
