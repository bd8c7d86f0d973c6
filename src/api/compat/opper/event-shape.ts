// Events an LLM platform sends for the Opper-compatible analytics API: one `opper.call` per model
// call, with numeric usage in `data.event_metadata` (summed by `fields`) and descriptive tags in
// `data.tags` (grouped by `group_by`, dotted names address nested tags: `project.name` is
// `data.tags.project.name`). The CloudEvent subject is the platform's customer.

export const OPPER_EVENT_TYPE = 'opper.call';

/** Tags the preset meters keep as dimensions (`group_by` accepts any tag; these are fast). */
export const OPPER_TAGS: Record<string, { dim: string; path: string }> = {
  model: { dim: 'model', path: '$.tags.model' },
  'project.name': { dim: 'project_name', path: '$.tags.project.name' },
  'project.id': { dim: 'project_id', path: '$.tags.project.id' },
  'function.name': { dim: 'function_name', path: '$.tags.function.name' },
  environment: { dim: 'environment', path: '$.tags.environment' },
};

/** Metadata fields with preset meters (`fields` accepts any field; these are fast). */
export const OPPER_PRESET_FIELDS = ['prompt_tokens', 'completion_tokens', 'total_tokens'] as const;

export interface OpperCallData {
  event_metadata: { cost: number } & Record<string, number>;
  tags: {
    model: string;
    project?: { name?: string; id?: string };
    function?: { name?: string };
    environment?: string;
  };
}
