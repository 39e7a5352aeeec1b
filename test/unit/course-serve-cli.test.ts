/** `pnpm course serve` with bad input: one clear message, a non-zero exit, nothing listening. */
import test from 'ava';
import { cli } from '../support/cli.ts';

const once = (text: string, what: RegExp) => (text.match(new RegExp(what.source, 'g')) ?? []).length === 1;

test('an unknown lab, a bad port, a stray argument: one message each, exit ≠ 0, no stack trace', async (t) => {
  const env = { LABBENCH_HOME: '/nonexistent/labbench-course-serve-test' };
  const cases: [string[], RegExp][] = [
    [['course', 'serve', '--name', 'nosuchlab'], /there is no lab "nosuchlab"/],
    [['course', 'serve', '--port', '99999'], /--port 99999 is not a port number/],
    [['course', 'serve', 'hostA'], /course serve takes no argument "hostA"/],
    [['course', 'serve', '--bogus'], /Unknown option '--bogus'/],
  ];
  for (const [args, message] of cases) {
    const r = await cli(args, env);
    t.is(r.code, 1, args.join(' '));
    t.true(once(r.stderr, message), `${args.join(' ')}: ${r.stderr}`);
    t.false(/\n\s+at /.test(r.stderr), 'no stack trace');
    t.is(r.stdout, '', 'no URL printed');
  }
});
