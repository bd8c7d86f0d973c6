// Entry of api-docs.html (served at /docs): Swagger UI over the server's own OpenAPI document.
// Bundled into the web build, so the page works offline and the server needs nothing at run time.
import SwaggerUIBundle from 'swagger-ui-dist/swagger-ui-es-bundle.js';
import 'swagger-ui-dist/swagger-ui.css';
import './api-docs.css';

const root = document.getElementById('swagger-ui');
const keyInput = document.getElementById('docs-key');

if (root) {
  SwaggerUIBundle({
    url: root.dataset.specUrl ?? '/openapi.json',
    domNode: root,
    deepLinking: true,
    docExpansion: 'list',
    defaultModelsExpandDepth: 0,
    displayRequestDuration: true,
    filter: true,
    // The document declares no security scheme (every route takes `Authorization: Bearer`), so
    // the key comes from the page's own field. It stays in memory and goes to this origin only.
    requestInterceptor: (req) => {
      const key = keyInput instanceof HTMLInputElement ? keyInput.value.trim() : '';
      if (key && new URL(req.url, location.href).origin === location.origin) {
        req.headers.Authorization = `Bearer ${key}`;
      }
      return req;
    },
  });
}
