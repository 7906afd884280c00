// What the whole window shares: who is here, the workspace and account, the screen shown,
// messages for the person, and the passphrase prompt that unlocks a signing key when an act
// needs it. Screens call the core through `api.ts`; acts that sign go through `act()`.
import { call, contentLimits, toCoreError, type CoreError } from "./api";
import type {
  Account,
  ContentLimits,
  Member,
  PassphraseRule,
  Role,
  Startup,
  TeamStatus,
  ViewerPermissions,
} from "./bindings";

export type Screen = "whos-here" | "compose" | "review" | "queue" | "history" | "team" | "conversations";

type Prompt = {
  name: string;
  resolve: () => void;
  reject: (e: CoreError) => void;
};

export const session = $state({
  startup: null as Startup | null,
  account: null as Account | null,
  members: [] as Member[],
  me: null as Member | null,
  /** What `me` may do beyond any one post (core's `viewer_may`); null until known. */
  may: null as ViewerPermissions | null,
  /** Which roles choose a passphrase, and its least length (core's rule). */
  passphraseRule: null as PassphraseRule | null,
  /** Parts in a thread and characters of alt text (core's `content_limits`); null until known. */
  limits: null as ContentLimits | null,
  screen: "whos-here" as Screen,
  /** The last refusal or failure, shown in the banner. */
  error: null as CoreError | null,
  /** A short note for the person ("Saved", "Submitted for review"). */
  notice: "",
  /** Bumped when a core event arrives, so screens reload what they show. */
  changes: 0,
  paused: false,
  /** Open when an act needs someone's passphrase. */
  prompt: null as Prompt | null,
  /** Which post Compose or Review should open. */
  openPost: null as string | null,
  /** In a team: how this laptop stands with the server (null on a solo workspace). */
  team: null as TeamStatus | null,
  /** In a team, the member this laptop acts as: one laptop, one member. */
  laptopMember: null as string | null,
});

const LAST_MEMBER = "countersign.last-member";

export async function loadWorkspace(): Promise<void> {
  session.startup = await call("startup", {});
  if (session.startup.error) return;
  // Independent reads: one round trip's wait instead of several (the first screen waits on
  // them all).
  const [account, , paused, rule, limits, laptopMember] = await Promise.all([
    call("account", {}),
    loadMembers(),
    call("publishing_paused", {}),
    call("passphrase_rule", {}),
    contentLimits(),
    call("laptop_member", {}),
    loadTeam(),
  ]);
  session.account = account;
  session.paused = paused;
  session.passphraseRule = rule;
  session.limits = limits;
  session.laptopMember = laptopMember;
  // A team laptop is its member's: nobody picks who is here.
  const mine = session.members.find((m) => m.name === session.laptopMember && m.active);
  if (mine && !session.me) await pick(mine);
}

/** How this laptop stands with its team server (nothing on a solo workspace). */
export async function loadTeam(): Promise<void> {
  const before = session.team?.content_seen;
  const team = await call("team_status", {});
  session.team = team;
  // The replica pulled something new to show (a teammate's draft, an edit: acts that raise no
  // event; laptops' heartbeats do not count): screens read again, as they do after an event.
  if (before !== undefined && team !== null && team.content_seen !== before) session.changes += 1;
}

export async function loadMembers(): Promise<void> {
  session.members = await call("members", {});
  if (session.me) {
    session.me = session.members.find((m) => m.id === session.me?.id) ?? null;
    await loadMay();
  }
}

/** What the member here may do, from core: a role change or deactivation changes it. */
export async function loadMay(): Promise<ViewerPermissions | null> {
  const name = session.me?.name;
  if (!name) {
    session.may = null;
    return null;
  }
  const may = await call("viewer_may", { name });
  if (session.me?.name === name) session.may = may;
  return may;
}

/** Whether a member in `role` chooses a passphrase, by core's rule. Before the rule has loaded a
 *  form asks for none, and core refuses a missing one (`new_passphrase_required`). */
export function needsPassphrase(role: Role): boolean {
  return session.passphraseRule?.required_for.includes(role) ?? false;
}

/** The member last here on this machine, if still active. */
export function lastMember(): Member | null {
  const name = localStorage.getItem(LAST_MEMBER);
  return session.members.find((m) => m.name === name && m.active) ?? null;
}

/** `member` is here: they start on Review when they review, else on Compose. */
export async function pick(member: Member): Promise<void> {
  session.me = member;
  session.may = null;
  session.notice = "";
  session.error = null;
  localStorage.setItem(LAST_MEMBER, member.name);
  const may = await loadMay().catch((e: unknown) => {
    fail(e);
    return null;
  });
  session.screen = may?.review.allowed ? "review" : "compose";
}

/** The member leaves the window: their unlocked key is locked again, so the next person
 *  cannot sign with it. */
export function leave(): void {
  session.me = null;
  session.may = null;
  session.screen = "whos-here";
  call("lock_keys", {}).catch(fail);
}

export function go(screen: Screen): void {
  session.screen = screen;
}

export function say(notice: string): void {
  session.notice = notice;
  session.error = null;
}

export function fail(e: unknown): CoreError {
  const err = toCoreError(e);
  session.error = err;
  session.notice = "";
  return err;
}

/** Asks for `name`'s passphrase; resolves once their key is unlocked. */
export function askPassphrase(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    session.prompt = { name, resolve, reject };
  });
}

/** Asks for `name`'s passphrase now if their key is sealed and locked: for acts that would
 *  only find out after a long wait (connecting X waits for the browser). */
export async function ensureUnlocked(name: string): Promise<void> {
  if (await call("needs_passphrase", { name })) await askPassphrase(name);
}

/**
 * Runs an act as `name`. When it needs their passphrase, asks for it, unlocks their key and
 * runs the act again. Other refusals are shown in the banner and rethrown.
 */
export async function act<T>(name: string, f: () => Promise<T>): Promise<T> {
  try {
    const out = await f();
    session.error = null;
    return out;
  } catch (e) {
    const err = toCoreError(e);
    if (err.code !== "passphrase_required") throw fail(err);
    await askPassphrase(name);
    try {
      const out = await f();
      session.error = null;
      return out;
    } catch (again) {
      throw fail(again);
    }
  }
}

/**
 * The message of a refusal that asks which of two times was meant (`ambiguous_time`: the wall
 * time happens twice as clocks fall back), for a screen that offers the choice instead of the
 * banner; null for any other refusal.
 */
export function askedFold(e: unknown): string | null {
  const err = toCoreError(e);
  if (err.code !== "ambiguous_time") return null;
  if (session.error?.code === "ambiguous_time") session.error = null;
  return err.message;
}

/** The current member's name; screens only show when someone is here. */
export function me(): string {
  return session.me?.name ?? "";
}

