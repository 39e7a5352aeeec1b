/** `pnpm bench`: not wired yet. */
import { LabbenchError } from '../errors.ts';
export async function run(_argv: string[]): Promise<number> {
  throw new LabbenchError('benchs are not available yet');
}
