/**
 * One value as JSON.stringify writes it inside an object: a string escaped,
 * a finite number, a boolean or null as its text, a non-finite number as
 * `null`, anything else through JSON.stringify. For the answer writers
 * (responses/response-json.ts, anthropic/message-json.ts), which put the
 * values of a known shape into a fixed frame: the scalars cost a fraction of
 * a JSON.stringify call each. `undefined` is not a value here (JSON.stringify
 * would leave its key out): the writers never pass one.
 */
export function jsonValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    default:
      return value === null ? 'null' : JSON.stringify(value);
  }
}
