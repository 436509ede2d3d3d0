import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** /console: built at install into dist/console, served by the server under /console/. */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    // the page is small; one script and one stylesheet, both with content hashes
    modulePreload: false,
  },
});
