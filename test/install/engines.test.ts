/**
 * The Node versions package.json claims are ones every installed package accepts, so
 * `npm install` on any of them prints no engine warning (graphql-yoga 5.24 pulls @whatwg-node
 * releases that want Node >= 22.15; package.json overrides them with the Node 20 releases).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (file: string) => JSON.parse(fs.readFileSync(path.join(root, file), 'utf8'));

interface LockedPackage {
  version?: string;
  optional?: boolean;
  engines?: { node?: string };
}

const manifest = read('package.json') as { engines: { node: string }; dependencies: Record<string, string> };
const lock = read('package-lock.json') as { packages: Record<string, LockedPackage> };
const claimed = manifest.engines.node;

describe('supported Node versions', () => {
  it('this Node is one of them', () => {
    expect(semver.satisfies(process.version, claimed)).toBe(true);
  });

  it('every installed package accepts every Node version package.json claims', () => {
    const refusing = Object.entries(lock.packages)
      .filter(([where, pkg]) => where !== '' && pkg.engines?.node && fs.existsSync(path.join(root, where)))
      .filter(([, pkg]) => !semver.subset(claimed, pkg.engines?.node ?? '*'))
      .map(([where, pkg]) => `${where}@${pkg.version} wants node ${pkg.engines?.node}`);
    expect(refusing).toEqual([]);
  });

  it('no unused Pothos plugins are installed', () => {
    expect(Object.keys(manifest.dependencies)).not.toContain('@pothos/plugin-dataloader');
    expect(Object.keys(manifest.dependencies)).not.toContain('@pothos/plugin-errors');
  });
});
