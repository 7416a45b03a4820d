/**
 * One transition function for every state machine of the client (connection, idempotence
 * manager, batch life cycle): each declares its legal moves as a table, and every change of
 * state goes through `transition`, which refuses a move the table lacks. An illegal move is a
 * defect of ours; it throws IllegalStateError naming the machine and the move, which the
 * sender's loop reports (a warning) after failing what is pending, rather than carrying on in
 * a state nobody designed.
 */
import { IllegalStateError } from '../protocol/errors';

/** For each state, the states it may move to. */
export type TransitionTable<S extends string> = { readonly [From in S]: readonly S[] };

/** Returns `to` when `from -> to` is legal in `table`; throws IllegalStateError otherwise. */
export function transition<S extends string>(machine: string, table: TransitionTable<S>, from: S, to: S): S {
  if (!table[from].includes(to)) throw new IllegalStateError(`${machine}: illegal transition ${from} -> ${to}`);
  return to;
}
