/**
 * `{{variables.x}}`, `{{steps.NAME}}` and `{{files.NAME}}` templating for chain prompts.
 * References are checked at submission (unknown variable or file, a step that does not run
 * earlier) so that a job never fails halfway through for a typo.
 */
const REF = /\{\{\s*(variables|steps|files)\.([A-Za-z0-9_-]+)\s*\}\}/g;
const ANY_BRACES = /\{\{([^}]*)\}\}/g;

/** Names an object inherits (`__proto__`, `constructor`, `toString` …): refused as step names. */
const INHERITED_NAMES = new Set(Object.getOwnPropertyNames(Object.prototype));

export function shadowsPrototype(name: string): boolean {
  return INHERITED_NAMES.has(name);
}

export interface TemplateRef {
  scope: 'variables' | 'steps' | 'files';
  name: string;
}

export function templateRefs(template: string): TemplateRef[] {
  return [...template.matchAll(REF)].map((m) => ({ scope: m[1] as TemplateRef['scope'], name: m[2]! }));
}

/** Placeholders that are not `{{variables.x}}`, `{{steps.NAME}}` or `{{files.NAME}}`. */
export function malformedPlaceholders(template: string): string[] {
  return [...template.matchAll(ANY_BRACES)].map((m) => m[0]).filter((p) => !new RegExp(REF.source).test(p));
}

export function renderTemplate(
  template: string,
  variables: Readonly<Record<string, unknown>>,
  steps: Readonly<Record<string, unknown>>,
  files: Readonly<Record<string, string>> = {},
): string {
  return template.replace(REF, (_m, scope: string, name: string) => {
    // Own properties only: `{{steps.constructor}}` must not reach Object.prototype.
    const source = scope === 'variables' ? variables : scope === 'files' ? files : steps;
    const value = Object.hasOwn(source, name) ? source[name] : undefined;
    if (value === undefined) return '';
    return typeof value === 'string' ? value : JSON.stringify(value);
  });
}
