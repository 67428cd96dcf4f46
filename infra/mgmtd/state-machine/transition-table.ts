/**
 * The target state machine of a chain, as 3FS runs it (mgmtd `generateNewChain`, every second, per chain).
 *
 *   SERVING ──down, others still serve────────────▶ OFFLINE ◀──down── WAITING, SYNCING
 *    │  ▲ ▲                                          │  ▲
 *    │  │ └──back, nobody else serves── LASTSRV ─────┼──┘ another replica serves
 *    │  │                                  ▲         │
 *    └──┼────down, the last one serving────┘         │ back
 *       │                                            ▼
 *       │      SYNCING ◀──a SERVING exists, and──── WAITING
 *       │       │   │      no other SYNCING            ▲
 *       │       │   └──no SERVING left to sync from────┘
 *       └───────┘ sync done (UPTODATE)
 *
 * OFFLINE goes straight to SYNCING when the WAITING → SYNCING condition already holds.
 *
 * A step visits the old chain's targets grouped by old public state, in PUBLIC_STATE_ORDER (SERVING first), and in
 * chain order within a group. Each target takes the first row below whose `from`, `local` and `when` match; `when`
 * looks at the new chain as built so far. Then SETTLE_ROW runs once over the new chain. The new chain is the new
 * public states in PUBLIC_STATE_ORDER, each group in the order its targets were decided.
 *
 * Why the order matters: SERVING targets are decided first so "a SERVING exists" is known when SYNCING and WAITING
 * targets are decided; WAITING before OFFLINE so a target that has waited longer starts syncing first; a SYNCING
 * target sits right after the last SERVING one so it receives every write through the current tail; a finished
 * sync joins the SERVING group at its end, becoming the new tail.
 */
import type { LocalTargetState, PublicTargetState } from '../routing/types.ts';

/** A fact about the new chain as built so far (or, for the settle row, as built in full). */
export type TransitionGuard =
  | 'ALWAYS'
  | 'NO_LASTSRV_YET'
  | 'NO_SERVING_YET'
  | 'SERVING_YET'
  | 'SERVING_AND_NO_SYNCING_YET';

export interface TransitionRow {
  /** Stable number, used in logs and tests. */
  readonly id: number;
  readonly from: PublicTargetState;
  readonly local: readonly LocalTargetState[];
  readonly when: TransitionGuard;
  readonly to: PublicTargetState;
  readonly why: string;
}

const UP: readonly LocalTargetState[] = ['UPTODATE', 'ONLINE'];
const ANY: readonly LocalTargetState[] = ['UPTODATE', 'ONLINE', 'OFFLINE'];

export const TRANSITIONS: readonly TransitionRow[] = [
  { id: 1, from: 'SERVING', local: UP, when: 'ALWAYS', to: 'SERVING', why: 'still alive' },
  // Provisional: if another replica ends up SERVING this round, SETTLE_ROW turns it OFFLINE. So in effect the first
  // dead SERVING target (in chain order) becomes LASTSRV only when no SERVING target remains.
  { id: 2, from: 'SERVING', local: ['OFFLINE'], when: 'NO_LASTSRV_YET', to: 'LASTSRV', why: 'first dead SERVING; may be the last one' },
  { id: 3, from: 'SERVING', local: ['OFFLINE'], when: 'ALWAYS', to: 'OFFLINE', why: 'an earlier dead SERVING holds LASTSRV' },

  // The last serving replica holds every committed write, so it alone may serve again without a sync.
  { id: 4, from: 'LASTSRV', local: UP, when: 'NO_SERVING_YET', to: 'SERVING', why: 'the last serving replica is back' },
  { id: 5, from: 'LASTSRV', local: ['OFFLINE'], when: 'NO_SERVING_YET', to: 'LASTSRV', why: 'still down; the chain waits for it' },
  { id: 6, from: 'LASTSRV', local: ANY, when: 'ALWAYS', to: 'OFFLINE', why: 'another replica serves' },

  { id: 7, from: 'SYNCING', local: ['UPTODATE'], when: 'ALWAYS', to: 'SERVING', why: 'sync done' },
  { id: 8, from: 'SYNCING', local: ['ONLINE'], when: 'SERVING_YET', to: 'SYNCING', why: 'sync in progress' },
  { id: 9, from: 'SYNCING', local: ['ONLINE'], when: 'ALWAYS', to: 'WAITING', why: 'no SERVING replica left to sync from' },
  { id: 10, from: 'SYNCING', local: ['OFFLINE'], when: 'ALWAYS', to: 'OFFLINE', why: 'down' },

  { id: 11, from: 'WAITING', local: ['ONLINE'], when: 'SERVING_AND_NO_SYNCING_YET', to: 'SYNCING', why: 'start sync (one per chain)' },
  // UPTODATE while WAITING: the storage node demotes itself to ONLINE (or stops) when it sees WAITING, and is
  // synced on a later round; it is never trusted as complete.
  { id: 12, from: 'WAITING', local: UP, when: 'ALWAYS', to: 'WAITING', why: 'no SERVING replica, or another target is SYNCING' },
  { id: 13, from: 'WAITING', local: ['OFFLINE'], when: 'ALWAYS', to: 'OFFLINE', why: 'down' },

  { id: 14, from: 'OFFLINE', local: ['ONLINE'], when: 'SERVING_AND_NO_SYNCING_YET', to: 'SYNCING', why: 'back; start sync (one per chain)' },
  { id: 15, from: 'OFFLINE', local: UP, when: 'ALWAYS', to: 'WAITING', why: 'back; waits for a sync slot' },
  { id: 16, from: 'OFFLINE', local: ['OFFLINE'], when: 'ALWAYS', to: 'OFFLINE', why: 'still down' },
];

/** Runs once over the whole new chain: LASTSRV and SERVING never coexist. Settled targets go to the very end. */
export const SETTLE_ROW = {
  id: 17,
  from: 'LASTSRV',
  local: ANY,
  when: 'SERVING_YET',
  to: 'OFFLINE',
  why: 'another replica serves',
} as const satisfies TransitionRow;

/**
 * Input repair, applied before any row: an extra target in a state a chain may hold only once is decided as if it
 * were in `asIf`. Steps never produce such chains; an admin edit or a damaged record could. 3FS lets each follow its
 * own rows (two LASTSRV targets would both come back SERVING, possibly with different data); we keep the invariants
 * and choose the side that never lets a replica serve data it may lack.
 */
export interface RepairRow {
  readonly id: number;
  readonly from: PublicTargetState;
  readonly asIf: PublicTargetState;
  readonly why: string;
}

export const REPAIRS: readonly RepairRow[] = [
  { id: 18, from: 'LASTSRV', asIf: 'OFFLINE', why: 'not the first LASTSRV: only one replica may serve again without a sync' },
  { id: 19, from: 'SYNCING', asIf: 'WAITING', why: 'not the first SYNCING: one sync per chain' },
];
