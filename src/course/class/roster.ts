/**
 * A class: the roster file a teacher writes (one student a line, optionally with the exercise
 * and step that student starts at), and the plan made from it — each student's lab name, LAN
 * and exercise. Pure: text and facts in, a plan or one clear error out.
 */
import { ConfigError } from '../../errors.ts';
import { type Cidr, formatCidr, overlaps, size, tryParseCidr } from '../../net/ipv4.ts';
import { DEFAULT_SUBNET, pickFreeSubnet, RESERVED_NETWORKS } from '../../testbed/testbed.ts';

export interface RosterEntry {
  /** As written in the roster (the dashboard shows it). */
  name: string;
  exercise?: string;
  at?: number;
}

/** One student's seat in the class: who, which lab, which LAN, what to start. */
export interface StudentPlan {
  student: string;
  lab: string;
  subnet: string;
  exercise: string;
  at: number;
  /**
   * A saved lab to start the student from instead of solving steps 1…at−1 (lab snapshots):
   * passed through to the lab start, which refuses it until snapshots exist in this build.
   */
  from?: string;
}

const STUDENT = /^[A-Za-z][A-Za-z0-9-]*$/;
const LAB_NAME_MAX = 24;

/**
 * `alice`, `bob flannel-two-host`, `carol flannel-two-host 5` — one student a line, `#` starts a
 * comment. Names are letters, digits and '-' (they become part of the lab name), unique
 * whatever their case.
 */
export function parseRoster(text: string, file: string): RosterEntry[] {
  const entries: RosterEntry[] = [];
  const problems: string[] = [];
  const seen = new Map<string, number>();
  /** A line's problem, or undefined when it is a student (or blank). */
  const readLine = (raw: string, i: number): string | undefined => {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) return undefined;
    const where = `${file}:${i + 1}`;
    const [name = '', exercise, at, ...rest] = line.split(/\s+/);
    if (!STUDENT.test(name)) return `${where}: "${name}" is not a student name (letters, digits and '-', starting with a letter)`;
    if (rest.length > 0) return `${where}: one student a line: NAME [EXERCISE [STEP]], not "${line}"`;
    const first = seen.get(name.toLowerCase());
    if (first !== undefined) return `${where}: ${name} is already on line ${first}`;
    seen.set(name.toLowerCase(), i + 1);
    if (at !== undefined && !/^[1-9]\d*$/.test(at)) return `${where}: step "${at}" is not a step number`;
    entries.push({ name, ...(exercise ? { exercise } : {}), ...(at ? { at: Number(at) } : {}) });
    return undefined;
  };
  for (const [i, raw] of text.split('\n').entries()) {
    const problem = readLine(raw, i);
    if (problem) problems.push(problem);
  }
  if (problems.length > 0)
    throw new ConfigError(`the roster has ${problems.length === 1 ? 'a problem' : `${problems.length} problems`}:\n  ${problems.join('\n  ')}`, {
      hint: 'one student a line: NAME [EXERCISE [STEP]]; # starts a comment',
    });
  if (entries.length === 0) throw new ConfigError(`the roster ${file} names no student`, { hint: 'write one student name a line' });
  return entries;
}

export interface ClassOptions {
  /** Lab names are PREFIX-student. */
  prefix: string;
  /** The exercise of every student whose roster line names none. */
  exercise?: string;
  at?: number;
  /** A network the students' /24 LANs are taken from in order (e.g. 10.124.0.0/16); without it, free /24s next to the document's LAN. */
  subnets?: string;
  from?: string;
  /** Plan without exercises (to take the class's labs down). */
  anyExercise?: boolean;
}

/** A lab that exists already: its name and LAN (a student's existing lab keeps its LAN). */
export interface ExistingLab {
  name: string;
  subnet: string;
}

export function labNameOf(prefix: string, student: string): string {
  return `${prefix}-${student.toLowerCase()}`;
}

/** Each student's lab, LAN and exercise; one error listing every problem. */
export function planClass(roster: readonly RosterEntry[], options: ClassOptions, existing: readonly ExistingLab[]): StudentPlan[] {
  const problems: string[] = [];
  if (!/^[a-z][a-z0-9-]*$/.test(options.prefix)) problems.push(`--prefix "${options.prefix}" must be a-z, 0-9 and '-', starting with a letter`);
  for (const r of roster) {
    const lab = labNameOf(options.prefix, r.name);
    if (lab.length > LAB_NAME_MAX) problems.push(`${r.name}: the lab name ${lab} is longer than ${LAB_NAME_MAX} characters (a shorter --prefix or name)`);
    if (!r.exercise && !options.exercise && !options.anyExercise)
      problems.push(`${r.name}: no exercise (give --exercise NAME for the class, or one on the student's roster line)`);
  }
  let pool: Cidr | undefined;
  if (options.subnets !== undefined) {
    pool = tryParseCidr(options.subnets);
    if (!pool || pool.prefix > 24)
      problems.push(`--subnets ${options.subnets} must be an IPv4 network of /24 or larger (one /24 per student), e.g. 10.124.0.0/16`);
  }
  if (problems.length > 0) throw new ConfigError(problems.join('\n  '), { hint: 'fix the roster or the flags; nothing was created' });

  const mine = new Set(roster.map((r) => labNameOf(options.prefix, r.name)));
  const taken: { cidr: string }[] = [...existing.filter((l) => !mine.has(l.name)).map((l) => ({ cidr: l.subnet }))];
  const plans: StudentPlan[] = [];
  let next = 0;
  for (const r of roster) {
    const lab = labNameOf(options.prefix, r.name);
    let subnet = existing.find((l) => l.name === lab)?.subnet;
    if (!subnet || subnet === '?') subnet = pool ? nextFrom(pool, () => next++, taken) : pickFreeSubnet(DEFAULT_SUBNET, taken);
    if (!subnet) {
      throw new ConfigError(`no free /24 left for ${r.name}${pool ? ` in ${options.subnets}` : ''}: the other students' and labs' LANs fill it`, {
        hint: 'give a larger --subnets, or remove labs with pnpm lab down --name N',
      });
    }
    taken.push({ cidr: subnet });
    plans.push({
      student: r.name,
      lab,
      subnet,
      exercise: r.exercise ?? options.exercise ?? '',
      at: r.at ?? options.at ?? 1,
      ...(options.from ? { from: options.from } : {}),
    });
  }
  return plans;
}

/** The next /24 of the pool that overlaps nothing taken or reserved, or undefined. */
function nextFrom(pool: Cidr, advance: () => number, taken: readonly { cidr: string }[]): string | undefined {
  const blocked = [...RESERVED_NETWORKS, ...taken].flatMap((t) => tryParseCidr(t.cidr) ?? []);
  const count = size(pool) / 256;
  for (let k = advance(); k < count; k = advance()) {
    const candidate = { network: (pool.network + k * 256) >>> 0, prefix: 24 };
    if (!blocked.some((b) => overlaps(candidate, b))) return formatCidr(candidate);
  }
  return undefined;
}
