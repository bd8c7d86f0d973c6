// Renders the OpenAPI document as a readable Markdown reference (docs/api.md).
interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: {
    name: string;
    in: string;
    required?: boolean;
    description?: string;
    schema?: { type?: string; enum?: string[] };
  }[];
  requestBody?: { content?: Record<string, unknown> };
  responses?: Record<string, { description?: string; content?: Record<string, unknown> }>;
}

interface OpenApiDoc {
  info: { title: string; version: string; description?: string };
  paths?: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, unknown> };
}

function cell(s: string | undefined): string {
  return (s ?? '').replaceAll('|', '\\|').replaceAll('\n', ' ');
}

export function renderApiMarkdown(input: unknown): string {
  const doc = input as OpenApiDoc;
  const out: string[] = [
    `# ${doc.info.title} reference`,
    '',
    '> Generated from the route schemas by `npm run openapi`; do not edit by hand. The machine-readable',
    '> document is [openapi.json](openapi.json) (also served at `/openapi.json`).',
    '',
    doc.info.description ?? '',
    '',
  ];
  const byTag = new Map<string, [string, string, Operation][]>();
  for (const [path, ops] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(ops)) {
      const tag = op.tags?.[0] ?? 'Other';
      byTag.set(tag, [...(byTag.get(tag) ?? []), [method.toUpperCase(), path, op]]);
    }
  }
  for (const [tag, ops] of byTag) {
    out.push(`## ${tag}`, '');
    for (const [method, path, op] of ops) {
      out.push(`### \`${method} ${path}\``, '');
      if (op.summary) out.push(op.summary, '');
      if (op.description) out.push(op.description, '');
      if (op.parameters?.length) {
        out.push('| parameter | in | required | type | description |', '|---|---|---|---|---|');
        for (const p of op.parameters) {
          const type = p.schema?.enum ? p.schema.enum.join(' \\| ') : (p.schema?.type ?? '');
          out.push(
            `| \`${p.name}\` | ${p.in} | ${p.required ? 'yes' : 'no'} | ${cell(type)} | ${cell(p.description)} |`,
          );
        }
        out.push('');
      }
      if (op.requestBody?.content) {
        out.push(
          `Request body: ${Object.keys(op.requestBody.content)
            .map((c) => `\`${c}\``)
            .join(', ')}`,
          '',
        );
      }
      out.push('| status | meaning | content |', '|---|---|---|');
      for (const [status, r] of Object.entries(op.responses ?? {})) {
        out.push(
          `| ${status} | ${cell(r.description)} | ${Object.keys(r.content ?? {}).join(', ')} |`,
        );
      }
      out.push('');
    }
  }
  out.push('## Schemas', '');
  for (const [name, schema] of Object.entries(doc.components?.schemas ?? {})) {
    out.push(`### ${name}`, '', '```json', JSON.stringify(schema, null, 2), '```', '');
  }
  return `${out.join('\n')}\n`;
}
