/**
 * The one status vocabulary of every run in the package (an integration, a reduced solve, a simulation, a
 * sweep point):
 * - `ok`: reached the end it was asked for;
 * - `stopped`: ended early on purpose — a terminal event, a stop condition, a hand-over to another method or
 *   to a closed form — with everything up to that point valid;
 * - `failed`: ended early because it could not go on; a message says why, and what was reached is kept.
 * A result that cannot stop on purpose uses the `Outcome` subset.
 */
export type Status = 'ok' | 'stopped' | 'failed';
export type Outcome = Exclude<Status, 'stopped'>;
