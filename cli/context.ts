/** What every command gets: where to write, whether as JSON, and its target. */
import type { Io } from './output.js';
import type { Target } from './target.js';

/** What every command gets. */
export interface CommandContext {
  io: Io;
  json: boolean;
  /** Resolves the target on first use (so `--help` and argument errors need none). */
  target: () => Target;
}
