// swagger-ui-dist ships no types; only the part api-docs-main.ts calls is declared.
declare module 'swagger-ui-dist/swagger-ui-es-bundle.js' {
  export interface SwaggerRequest {
    url: string;
    headers: Record<string, string>;
  }
  export interface SwaggerUIOptions {
    url: string;
    domNode: HTMLElement;
    deepLinking?: boolean;
    docExpansion?: 'list' | 'full' | 'none';
    defaultModelsExpandDepth?: number;
    displayRequestDuration?: boolean;
    filter?: boolean;
    requestInterceptor?: (req: SwaggerRequest) => SwaggerRequest;
  }
  // The file is CommonJS: `module.exports` is the SwaggerUIBundle function.
  const SwaggerUIBundle: (options: SwaggerUIOptions) => unknown;
  export = SwaggerUIBundle;
}
