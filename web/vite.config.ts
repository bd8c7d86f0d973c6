import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// Built by `npx vite build web`; the Tally server serves web/dist: index.html at `/`, embed.html at /embed.
// `npx vite web` runs a dev server that forwards API calls to a local Tally on PORT (default 8787).
const root = fileURLToPath(new URL('.', import.meta.url));
const apiTarget = `http://127.0.0.1:${process.env.PORT ?? '8787'}`;

export default defineConfig({
  root,
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The dashboard's chunks stay small; the API reference page carries Swagger UI (about 1.6 MB),
    // loaded only at /docs, so the limit is set above it rather than silenced.
    chunkSizeWarningLimit: 1800,
    // Three pages: the dashboard (index.html, also the fallback), the embeddable number (/embed)
    // and the API reference (/docs).
    rollupOptions: {
      input: {
        index: resolve(root, 'index.html'),
        embed: resolve(root, 'embed.html'),
        'api-docs': resolve(root, 'api-docs.html'),
      },
    },
  },
  server: { proxy: { '/api': apiTarget, '/admin': apiTarget } },
});
