/**
 * SQL templates: `{0}`, `{1}` name a task's inputs and `{name}` a named value (`__data_partition__`, `rand_seed`,
 * `cpu_limit`, `memory_limit`). Only `{digits}` and `{identifier}` whose name is supplied are replaced; any other brace
 * text (struct literals such as `{'a': 1}`, JSON strings) is left alone, and `{{` / `}}` are literal braces, so
 * queries written for smallpond's `str.format` keep working.
 *
 *   render('select * from {0} where p = {__data_partition__}', { 0: 'v0', __data_partition__: '3' })
 *     → 'select * from v0 where p = 3'
 */
const TOKEN = /\{\{|\}\}|\{([0-9]+|[A-Za-z_][A-Za-z0-9_]*)\}/g;

export function renderTemplate(template: string, values: Readonly<Record<string, string>>, options: { unescape?: boolean } = {}): string {
  const unescape = options.unescape ?? true;
  return template.replace(TOKEN, (match: string, name: string | undefined) => {
    if (name === undefined) return unescape ? match[0]! : match;
    return Object.hasOwn(values, name) ? values[name]! : match;
  });
}

/** The names of the placeholders a template uses (both positional and named). */
export function placeholdersOf(template: string): string[] {
  const names = new Set<string>();
  for (const m of template.matchAll(TOKEN)) if (m[1] !== undefined) names.add(m[1]);
  return [...names];
}
