/**
 * One zod issue in words a client can act on, for the surfaces' 400s.
 *
 * zod's own text for a union is "Invalid input", and its issues do not carry
 * the input, so a field that is missing and a field of the wrong type look
 * alike unless the message is read. Here a missing field says so ("Field
 * required", Anthropic's words), a wrong type names what was expected and
 * what came, and a union names every shape it accepts, or, when one shape
 * matched further than the others, the problem inside that shape.
 */
import type { z } from 'zod';

export interface IssueText {
  /** Where the problem is, from the body's top (a union's chosen branch adds its own path). */
  readonly path: readonly PropertyKey[];
  readonly text: string;
}

type Issue = z.core.$ZodIssue;

const RECEIVED = /received (\w+)$/;

function received(issue: Issue): string | undefined {
  return RECEIVED.exec(issue.message)?.[1];
}

function typeText(issue: Issue & { expected?: unknown }): string {
  const got = received(issue);
  if (got === 'undefined') return 'Field required';
  return `expected ${String(issue.expected)}${got ? `, received ${got}` : ''}`;
}

export function describeIssue(issue: Issue): IssueText {
  if (issue.code === 'invalid_type') return { path: issue.path, text: typeText(issue) };
  if (issue.code === 'invalid_union' && 'errors' in issue && Array.isArray(issue.errors) && issue.errors.length > 0) {
    const firsts = issue.errors.map((branch) => branch[0]).filter((i): i is Issue => i !== undefined);
    const atTop = firsts.every((i) => i.code === 'invalid_type' && i.path.length === 0);
    if (atTop && firsts.length > 0) {
      if (firsts.every((i) => received(i) === 'undefined')) return { path: issue.path, text: 'Field required' };
      const expected = [...new Set(firsts.map((i) => String((i as { expected?: unknown }).expected)))];
      const got = received(firsts[0]!);
      return { path: issue.path, text: `expected ${expected.join(' or ')}${got ? `, received ${got}` : ''}` };
    }
    // The branch that got furthest into the value is the shape the client meant.
    const deepest = firsts.reduce((best, i) => (i.path.length > best.path.length ? i : best));
    const inner = describeIssue(deepest);
    return { path: [...issue.path, ...inner.path], text: inner.text };
  }
  return { path: issue.path, text: issue.message };
}
