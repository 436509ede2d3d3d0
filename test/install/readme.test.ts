/**
 * README holds up in a fresh clone: no links to files outside the repository, every relative
 * link resolves, and its TypeScript (the signals API with the seed scenarios) type-checks
 * against the real src/ under the project's compiler settings.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');

describe('README', () => {
  it('links only to what a clone has', () => {
    expect(readme).not.toMatch(/\.\.\/shared/);
    const links = [...readme.matchAll(/\]\((?!https?:|#)([^)]+)\)/g)].map((m) => m[1] ?? '');
    for (const link of links) expect(fs.existsSync(path.join(root, link)), link).toBe(true);
  });

  it('its TypeScript blocks type-check against src/', () => {
    const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
    expect(blocks.length).toBeGreaterThan(0);
    const config = ts.getParsedCommandLineOfConfigFile(
      path.join(root, 'tsconfig.json'),
      {},
      {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (d) => {
          throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
        },
      },
    );
    if (!config) throw new Error('tsconfig.json did not parse');
    // virtual files at the repository root, where README's `./src/...` imports resolve
    const files = new Map(blocks.map((code, i) => [path.join(root, `README.block${i}.ts`), code]));
    const host = ts.createCompilerHost(config.options);
    const { fileExists, readFile, getSourceFile } = host;
    host.fileExists = (f) => files.has(f) || fileExists(f);
    host.readFile = (f) => files.get(f) ?? readFile(f);
    host.getSourceFile = (f, language, ...rest) => {
      const code = files.get(f);
      return code === undefined
        ? getSourceFile(f, language, ...rest)
        : ts.createSourceFile(f, code, language);
    };
    const program = ts.createProgram([...files.keys()], config.options, host);
    const problems = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file && files.has(d.file.fileName))
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(problems).toEqual([]);
  }, 60_000);
});
