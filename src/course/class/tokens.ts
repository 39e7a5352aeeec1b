/**
 * A class's tokens, kept (mode 0600) under the labbench state directory so that a restarted
 * server hands out the same URLs: one for the teacher, one per student. A student added to the
 * roster gets a new one; the others keep theirs.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stateRoot } from '../../machine/state-root.ts';
import { newToken } from '../serve/access.ts';

export interface ClassTokens {
  teacher: string;
  students: Record<string, string>;
}

export function classTokensFile(prefix: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(stateRoot(env).root, 'classes', `${prefix}.tokens.json`);
}

export function classTokens(prefix: string, students: readonly string[], env: NodeJS.ProcessEnv = process.env): ClassTokens {
  const file = classTokensFile(prefix, env);
  let kept: Partial<ClassTokens> = {};
  if (existsSync(file)) {
    try {
      kept = JSON.parse(readFileSync(file, 'utf8')) as Partial<ClassTokens>;
    } catch {
      kept = {};
    }
  }
  const tokens: ClassTokens = {
    teacher: typeof kept.teacher === 'string' ? kept.teacher : newToken(),
    students: Object.fromEntries(students.map((s) => [s, kept.students?.[s] ?? newToken()])),
  };
  mkdirSync(join(stateRoot(env).root, 'classes'), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify(tokens, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return tokens;
}
