// The one module through which the UI calls Rust. Every command's arguments and result are
// typed from `bindings.ts`, which is generated from the Rust types. Errors arrive as core's
// `{code, message}`; anything else is turned into that shape here.
import { invoke, convertFileSrc } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import {
  CORE_EVENT,
  type Commands,
  type ContentLimits,
  type ErrorBody,
  type ErrorCode,
  type Event as CoreEvent,
  type StagedMedia,
} from "./bindings";

export type { CoreEvent, ErrorCode };

/** A refusal or failure from the core, as `{code, message}`. */
export class CoreError extends Error implements ErrorBody {
  readonly code: ErrorCode;
  constructor(body: ErrorBody) {
    super(body.message);
    this.code = body.code;
  }
}

/** Normalises whatever a failed call threw into a CoreError. */
export function toCoreError(e: unknown): CoreError {
  if (e instanceof CoreError) return e;
  if (e && typeof e === "object" && "code" in e && "message" in e) {
    // Rust sends only core's codes (bindings.ts lists them); the cast names that contract.
    const o = e as { code: unknown; message: unknown };
    return new CoreError({ code: String(o.code) as ErrorCode, message: String(o.message) });
  }
  const message = e instanceof Error ? e.message : String(e);
  return new CoreError({ code: "invalid_input", message });
}

type Name = keyof Commands;
type Args<K extends Name> = Commands[K]["args"];
type Returns<K extends Name> = Commands[K]["returns"];

/** Calls one command. */
export async function call<K extends Name>(name: K, args: Args<K>): Promise<Returns<K>> {
  try {
    return await invoke<Returns<K>>(name, args as Record<string, unknown>);
  } catch (e) {
    throw toCoreError(e);
  }
}

/** The shape limits a screen shows while a person writes (parts in a thread, characters of alt
 *  text), as this build of core enforces them; loaded once into the session. */
export function contentLimits(): Promise<ContentLimits> {
  return call("content_limits", {});
}

/** Copies a file picked in Compose into the app, where core checks it against X's limits;
 *  returns the token a draft refers to and what core found the file to be. */
export async function stageMedia(file: File): Promise<StagedMedia> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  try {
    return await invoke<StagedMedia>("stage_media", bytes, {
      headers: { "x-file-name": encodeURIComponent(file.name) },
    });
  } catch (e) {
    throw toCoreError(e);
  }
}

/** A URL the webview can show for a media file kept in the workspace: `storedName` is the file
 *  core keeps it under (`PostView.stored_names`). */
export function mediaUrl(mediaDir: string, storedName: string): string {
  return convertFileSrc(`${mediaDir}/${storedName}`);
}

/** Calls `handler` for every core event until the returned function is called. */
export function onCoreEvent(handler: (e: CoreEvent) => void): Promise<UnlistenFn> {
  return listen<CoreEvent>(CORE_EVENT, (msg) => handler(msg.payload));
}

/** Calls `handler` when publishing is paused or resumed (from the tray or the window). */
export function onPublishingPaused(handler: (paused: boolean) => void): Promise<UnlistenFn> {
  return listen<boolean>("publishing-paused", (msg) => handler(msg.payload));
}
