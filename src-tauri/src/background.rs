//! Running in the background: once the window and its web view are closed, the app gives back
//! what only the window needed, so that publishing all day in the tray stays light.
//!
//! Three things stay behind after WebKit destroys the view, measured by scripts/bench-app.sh
//! (its "window closed" phase):
//! - freed heap that glibc keeps in its arenas (GTK's and WebKit's UI-side objects are many
//!   small allocations made across threads);
//! - WebKit's network process, which WebKitGTK keeps running with no view left (Tauri keeps
//!   the web context alive on Linux, tauri#14626), about 60 MB RSS;
//! - the pages of WebKit, JavaScriptCore, GTK and Mesa (llvmpipe's LLVM alone is ~45 MB) that
//!   the window touched: file-backed, mapped into this process until the kernel needs the
//!   memory, and counted in its RSS all that time.
//!
//! The first goes with `malloc_trim`, the second by ending the process (WebKit starts a new one
//! when the next view needs it), the third by telling the kernel to reclaim those pages now
//! (`MADV_PAGEOUT`, what Android does to apps in the background, or `MADV_DONTNEED` for
//! read-only ones): they stay in the page cache and fault back in cheaply when the window opens
//! again. Anonymous memory (the publisher's heap) is left alone.
//!
//! Opening and closing the window again and again must not creep either: the heap is kept to
//! two arenas from the start ([`limit_heap_arenas`]), so what the window's threads leave live
//! at the top of one arena is not repeated in a dozen.

use std::time::Duration;

/// WebKit tears the view and its web process down over the next main-loop turns: wait for that
/// before releasing what is left.
const SETTLE: Duration = Duration::from_secs(2);

/// The name (`comm`, 15 bytes) of WebKitGTK's network process.
const NETWORK_PROCESS_COMM: &str = "WebKitNetworkPr";

/// How many malloc arenas the process may use. glibc gives each thread that contends for the
/// heap its own arena (up to 8 a core), and each keeps the high-water mark of whatever is still
/// live at its top: with GTK's, WebKit's and the runtime's threads all allocating while a
/// window is open, the closed app's heap grew by about 0.7 MB each time the window was opened
/// and closed again (28 to 34 MB over 9 closes; scripts/bench-app.sh with BENCH_CYCLES); with
/// two arenas it stays level (28 to 29.5 MB over 20). The app's threads mostly wait (on X, the
/// database, the window), so sharing two arenas costs nothing measurable.
const HEAP_ARENAS: i32 = 2;

/// Limits the heap to [`HEAP_ARENAS`] arenas. Call first thing at start, before any thread is
/// spawned (arenas already made are kept).
pub fn limit_heap_arenas() {
    sys::limit_heap_arenas(HEAP_ARENAS);
}

/// The window is gone: after WebKit has settled, give back what only the window needed.
/// `window_open` says whether a window was opened again meanwhile (then nothing is released).
pub fn release_window_memory(window_open: impl Fn() -> bool + Send + 'static) {
    let spawned = std::thread::Builder::new()
        .name("release-window-memory".into())
        .spawn(move || {
            std::thread::sleep(SETTLE);
            if window_open() {
                return;
            }
            end_network_process();
            sys::trim_heap();
            sys::page_out_file_mappings();
            tracing::info!("window memory released");
        });
    if let Err(e) = spawned {
        tracing::warn!("the closed window's memory is kept: {e}");
    }
}

/// How long after the first screen is ready the start's own work (opening the workspace and
/// the Sandbox, the first screen's reads) is taken to be over.
const START_SETTLE: Duration = Duration::from_secs(3);

/// The first screen is ready: once the start has settled, give back the pages of this
/// program's own code and read-only data that were touched while starting.
///
/// The binary is about 20 MB, and starting runs much of it once: migrations, opening the
/// workspace, the Sandbox, the publisher, the tray, the first screen's reads. Its code pages
/// are file-backed and clean, and stay mapped (and counted in this process's RSS) after they
/// ran, about 10 MB of them, where an empty Tauri window holds under 4 MB of its own. Dropping
/// them from this process's page tables loses nothing: they stay in the page cache, and a page
/// used again is mapped back on its next touch, as the pages that keep running are at once.
/// What this lowers is the process's RSS and PSS, which count mapped pages; the memory itself
/// is the page cache's, which the kernel could reclaim anyway. Only mappings with no private
/// page are dropped (see [`FileMapping::pristine`]).
pub fn release_start_up_pages() {
    // Only after the first start: a window opened again from the tray runs little of this
    // program's own code that publishing does not.
    static ONCE: std::sync::Once = std::sync::Once::new();
    let mut first = false;
    ONCE.call_once(|| first = true);
    if !first {
        return;
    }
    let spawned = std::thread::Builder::new()
        .name("release-start-up-pages".into())
        .spawn(|| {
            std::thread::sleep(START_SETTLE);
            let Ok(exe) = std::fs::read_link("/proc/self/exe") else {
                return;
            };
            sys::drop_pristine_mappings_of(&exe.to_string_lossy());
            tracing::info!("start-up pages released");
        });
    if let Err(e) = spawned {
        tracing::warn!("the start-up pages are kept: {e}");
    }
}

/// Ends WebKit's network process, a child of this process that outlives the last view.
fn end_network_process() {
    for pid in children() {
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        if comm.trim_end() == NETWORK_PROCESS_COMM {
            sys::terminate(pid);
        }
    }
}

/// This process's child processes.
fn children() -> Vec<i32> {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return Vec::new();
    };
    tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("children")).ok())
        .flat_map(|c| {
            c.split_whitespace()
                .filter_map(|p| p.parse().ok())
                .collect::<Vec<i32>>()
        })
        .collect()
}

/// A file-backed mapping of this process, from /proc/self/smaps.
#[cfg_attr(not(all(target_os = "linux", target_env = "gnu")), allow(dead_code))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileMapping<'a> {
    start: usize,
    len: usize,
    /// The mapped file (as /proc shows it; a file deleted since ends in " (deleted)").
    path: &'a str,
    /// Read-only and without a private copy of any page (no relocated data, nothing written),
    /// in memory or in swap: every page is the file's own, so dropping it loses nothing. A
    /// read-only mapping with relocated pointers (RELRO) whose pages were paged out shows
    /// `Anonymous: 0 kB` but not `Swap: 0 kB`, and must keep them.
    pristine: bool,
}

/// The file-backed mappings in `smaps` (the text of /proc/PID/smaps).
#[cfg_attr(not(all(target_os = "linux", target_env = "gnu")), allow(dead_code))]
fn file_mappings(smaps: &str) -> Vec<FileMapping<'_>> {
    let mut found: Vec<FileMapping> = Vec::new();
    let mut current: Option<FileMapping> = None;
    for line in smaps.lines() {
        // Private pages in memory, then in swap ("SwapPss:" does not match "Swap:").
        if let Some(private) = line
            .strip_prefix("Anonymous:")
            .or_else(|| line.strip_prefix("Swap:"))
        {
            if let Some(m) = current.as_mut() {
                m.pristine &= private.trim_start().starts_with("0 ");
            }
            continue;
        }
        // A mapping's first line: start-end perms offset dev inode [path]
        let mut fields = line.split_whitespace();
        let Some((start, end)) = fields.next().and_then(|r| r.split_once('-')) else {
            continue;
        };
        let (Ok(start), Ok(end)) = (
            usize::from_str_radix(start, 16),
            usize::from_str_radix(end, 16),
        ) else {
            continue;
        };
        found.extend(current.take());
        let writable = fields.next().is_some_and(|perms| perms.contains('w'));
        let inode = fields.nth(2);
        if inode.is_some_and(|i| i != "0") && end > start {
            // The path is the rest of the line after the five fields before it, and may hold
            // spaces.
            let path = (0..5)
                .fold(line, |rest, _| {
                    rest.trim_start()
                        .split_once(char::is_whitespace)
                        .map_or("", |(_, after)| after)
                })
                .trim();
            current = Some(FileMapping {
                start,
                len: end - start,
                path,
                pristine: !writable,
            });
        }
    }
    found.extend(current);
    found
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
mod sys {
    use std::ffi::c_void;

    /// malloc.h: the most arenas malloc may create.
    const M_ARENA_MAX: i32 = -8;
    /// linux/mman.h: drop these pages from this process's page tables.
    const MADV_DONTNEED: i32 = 4;
    /// linux/mman.h: reclaim these pages now (Linux 5.4+; older kernels refuse, harmlessly).
    const MADV_PAGEOUT: i32 = 21;
    const SIGTERM: i32 = 15;

    unsafe extern "C" {
        fn malloc_trim(pad: usize) -> i32;
        fn mallopt(param: i32, value: i32) -> i32;
        fn madvise(addr: *mut c_void, len: usize, advice: i32) -> i32;
        fn kill(pid: i32, sig: i32) -> i32;
    }

    /// Sets the most arenas malloc may create.
    pub fn limit_heap_arenas(arenas: i32) {
        // SAFETY: mallopt takes no pointers and takes malloc's own lock.
        unsafe { mallopt(M_ARENA_MAX, arenas) };
    }

    /// Returns free memory at the top of the heap and in every arena to the system.
    pub fn trim_heap() {
        // SAFETY: malloc_trim takes no pointers and locks each arena itself: callable from any
        // thread at any time.
        unsafe { malloc_trim(0) };
    }

    /// Gives back the resident pages of every file-backed mapping.
    pub fn page_out_file_mappings() {
        // MADV_PAGEOUT leaves pages that another process maps too (Mesa's libLLVM is also in
        // the X server); a pristine mapping's pages can simply be unmapped instead.
        advise_file_mappings(|m| {
            Some(if m.pristine {
                MADV_DONTNEED
            } else {
                MADV_PAGEOUT
            })
        });
    }

    /// Drops the resident pages of the pristine mappings of the file at `path`.
    pub fn drop_pristine_mappings_of(path: &str) {
        advise_file_mappings(|m| (m.pristine && m.path == path).then_some(MADV_DONTNEED));
    }

    /// Gives each of this process's file-backed mappings the advice `advice_for` picks for it:
    /// MADV_DONTNEED only for a pristine one, MADV_PAGEOUT for any.
    fn advise_file_mappings(advice_for: impl Fn(&super::FileMapping) -> Option<i32>) {
        let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap_or_default();
        for m in super::file_mappings(&smaps) {
            let Some(advice) = advice_for(&m) else {
                continue;
            };
            // SAFETY: neither advice changes what memory reads as. MADV_PAGEOUT drops clean
            // file pages and keeps dirty private ones (or swaps them out and back).
            // MADV_DONTNEED is only given for read-only mappings with no private page, in
            // memory or in swap, whose every page reads back the same from the file; being
            // read-only, none can gain a private page meanwhile. The range is a whole mapping
            // from /proc/self/smaps: the program's own and the libraries it links stay mapped
            // while it runs, and a library unmapped meanwhile only makes madvise fail.
            unsafe { madvise(m.start as *mut c_void, m.len, advice) };
        }
    }

    /// Sends SIGTERM to a child process.
    pub fn terminate(pid: i32) {
        // SAFETY: kill takes no pointers; pid is a child of this process, read from /proc.
        unsafe { kill(pid, SIGTERM) };
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
mod sys {
    pub fn limit_heap_arenas(_arenas: i32) {}
    pub fn trim_heap() {}
    pub fn page_out_file_mappings() {}
    pub fn drop_pristine_mappings_of(_path: &str) {}
    pub fn terminate(_pid: i32) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_read_only_mappings_without_private_pages_in_memory_or_swap_are_pristine() {
        let smaps = "\
7f0000000000-7f0000002000 r-xp 00000000 08:01 1234 /usr/lib/libwebkit.so
Rss:                   8 kB
Anonymous:             0 kB
7f0000002000-7f0000003000 r--p 00002000 08:01 1234 /usr/lib/libwebkit.so
Anonymous:             4 kB
7f0000003000-7f0000004000 rw-p 00003000 08:01 1234 /usr/lib/libwebkit.so
Anonymous:             0 kB
7f0000004000-7f0000005000 rw-p 00000000 00:00 0 
Anonymous:             4 kB
7f0000005000-7f0000006000 r--p 00000000 08:01 99         /opt/Count ersign/app (deleted)
Anonymous:             0 kB
Swap:                  0 kB
SwapPss:               0 kB
7f0000006000-7f0000007000 r--p 00006000 08:01 99         /opt/Count ersign/app (deleted)
Anonymous:             0 kB
Swap:                  4 kB
";
        let found = file_mappings(smaps);
        let pristine: Vec<bool> = found.iter().map(|m| m.pristine).collect();
        // The last one's relocated page is in swap: not the file's own.
        assert_eq!(pristine, [true, false, false, true, false]);
        assert_eq!((found[0].start, found[0].len), (0x7f00_0000_0000, 0x2000));
        assert_eq!(found[0].path, "/usr/lib/libwebkit.so");
        assert_eq!(found[3].path, "/opt/Count ersign/app (deleted)");
    }
}
