//! Printing results: short readable text by default, JSON with `--json`.

use std::path::Path;

use countersign_core::app::inbox::{InboxPoll, InboxStatus};
use countersign_core::app::{PostView, ReviewDiff};
use countersign_core::audit::{AuditEntry, AuditReport, ServerCopy};
use countersign_core::connection::{Connection, ConnectionState};
use countersign_core::conversation::{self, Conversation, ConversationKind, ConversationView};
use countersign_core::diff::Change;
use countersign_core::model::{Account, Comment, Member, Post, Version};
use countersign_core::publish::PassReport;
use countersign_core::schedule::wall_time;
use countersign_core::store::{CalendarItem, HistoryRow, PostSummary, QueueSlot};
use countersign_core::x_account::AccountStatus;
use jiff::Timestamp;
use serde::Serialize;
use serde_json::{Value, json};

#[derive(Debug)]
pub struct Out {
    json: bool,
}

/// "3 min", "2 h 5 min", "4 d": how long, for people.
fn human_span(d: jiff::SignedDuration) -> String {
    let secs = d.as_secs().max(0);
    match secs {
        0..60 => format!("{secs} s"),
        60..3600 => format!("{} min", secs / 60),
        3600..86400 => format!("{} h {} min", secs / 3600, secs % 3600 / 60),
        _ => format!("{} d {} h", secs / 86400, secs % 86400 / 3600),
    }
}

fn print_json(v: &impl Serialize) {
    match serde_json::to_string_pretty(v) {
        Ok(s) => println!("{s}"),
        Err(e) => eprintln!("countersign: cannot print JSON: {e}"),
    }
}

fn excerpt(text: &str, max: usize) -> String {
    let line = text.lines().next().unwrap_or("");
    if line.chars().count() > max || text.contains('\n') {
        let cut: String = line.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    } else {
        line.to_string()
    }
}

/// The JSON form of a post, as `draft show --json` prints it.
pub fn post_json(v: &PostView) -> Value {
    let p = &v.post;
    let parts: Vec<Value> = p
        .content
        .parts
        .iter()
        .zip(&v.counts)
        .map(|(part, c)| {
            json!({
                "text": part.text,
                "weighted_length": c.weighted_length,
                "valid": c.valid,
                "remaining": c.remaining,
                "permillage": c.permillage,
                "valid_range_end": c.valid_range_end,
                "invalid": c.invalid,
                "media": part.media.iter().map(|a| json!({
                    "hash": a.media.hash, "kind": a.media.kind, "mime": a.media.mime,
                    "bytes": a.media.bytes, "name": a.media.original_name, "alt_text": a.alt_text,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let approval = v.approval.as_ref().map(|a| {
        json!({
            "id": a.id, "by": a.approver.name, "by_id": a.approver.id, "at": a.at, "version": a.version,
            "digest": a.digest, "scheduled_at": a.scheduled_at, "solo": a.solo, "edited": a.edited,
        })
    });
    json!({
        "id": p.id,
        "status": p.status,
        "status_reason": p.status_reason,
        "version": p.version,
        "author": p.author.name,
        "author_id": p.author.id,
        "author_initials": p.author.initials,
        "signature": p.content.signature,
        "reply_settings": p.content.reply_settings,
        "parts": parts,
        "approval": approval,
        "solo_mode": v.solo_mode,
        "scheduled_at": p.scheduled.as_ref().map(|s| s.at),
        "scheduled_zone": p.scheduled.as_ref().map(|s| s.zone.clone()),
        "scheduled_wall": p.scheduled.as_ref().map(|s| wall_time(s.at, &s.zone)),
        "created_at": p.created_at,
        "updated_at": p.updated_at,
        "posted_at": p.posted_at,
        "post_url": p.post_url,
        "comments": v.comments.iter().map(|c| json!({
            "by": c.author.name, "at": c.at, "version": c.version, "text": c.text,
        })).collect::<Vec<_>>(),
    })
}

impl Out {
    pub fn new(json: bool) -> Self {
        Out { json }
    }

    pub fn done(&self, human: &str, json: &Value) {
        if self.json {
            print_json(json);
        } else {
            println!("{human}");
        }
    }

    /// Advice after a success, on stderr so stdout stays the result; not in JSON mode.
    /// In team mode, says what waits in this laptop's outbox (acts made offline), if anything.
    pub fn waiting(&self, app: &countersign_core::App) {
        if !app.is_team() {
            return;
        }
        if let Ok(n @ 1..) = app.waiting_to_send() {
            self.notes(&[format!(
                "{n} change(s) from this laptop wait to be sent to the team server, and go \
                 when it is back (`countersign team sync --as NAME`, or a running `countersign \
                 run`); `countersign team outbox` lists them"
            )]);
        }
    }

    pub fn conversations(&self, cs: &[Conversation], now: Timestamp) {
        if self.json {
            return print_json(&cs);
        }
        if cs.is_empty() {
            println!("No conversations");
            return;
        }
        for c in cs {
            let waiting = conversation::waiting(c, now)
                .map(|w| format!(", waiting {}", human_span(w)))
                .unwrap_or_default();
            println!(
                "{}  {:<8} {:<7} @{} ({}){waiting}",
                c.id,
                c.state.as_str(),
                c.kind.as_str(),
                c.person.handle,
                c.person.name
            );
        }
    }

    pub fn conversation(&self, v: &ConversationView, now: Timestamp) {
        if self.json {
            return print_json(v);
        }
        let c = &v.conversation;
        println!(
            "{} with @{} ({}): {}",
            match c.kind {
                ConversationKind::Mention => "Mentions",
                ConversationKind::Dm => "Direct messages",
            },
            c.person.handle,
            c.person.name,
            c.state.as_str()
        );
        if let Some(a) = &v.assignee {
            println!("  answered by {}", a.name);
        }
        if let Some(w) = conversation::waiting(c, now) {
            println!("  waiting {}", human_span(w));
        }
        if let Some(secs) = v.first_response_secs {
            println!(
                "  first answered after {}",
                human_span(jiff::SignedDuration::from_secs(secs))
            );
        }
        if let Some(n) = &c.note {
            println!("  closed: {n}");
        }
        for m in &v.messages {
            println!("  [{}] {}: {}", m.at, m.x_id, m.text);
        }
        for a in &v.answers {
            println!("  answer: {a}");
        }
    }

    pub fn inbox_poll(&self, p: &InboxPoll) {
        if self.json {
            return print_json(p);
        }
        println!(
            "Read {} mention(s) and {} direct message(s) ({} request(s) to X); {} conversation(s) new or reopened",
            p.mentions, p.dms, p.reads, p.heard
        );
        if let Some(why) = &p.dms_refused {
            eprintln!("countersign: note: direct messages were not read: {why}");
        }
    }

    pub fn inbox_status(&self, s: &InboxStatus) {
        if self.json {
            return print_json(s);
        }
        let c = &s.cursor;
        match c.poll_minutes {
            0 => println!("The inbox is not read (turned off)"),
            m => println!("The inbox is read every {m} minute(s)"),
        }
        println!(
            "Reads this month ({}): {}",
            if c.reads_month.is_empty() {
                "-"
            } else {
                &c.reads_month
            },
            c.reads
        );
        println!("Open: {} new, {} being answered", s.new, s.assigned);
        for (label, r) in [("7 days", &s.last_7_days), ("30 days", &s.last_30_days)] {
            match (r.median_secs, r.p90_secs) {
                (Some(m), Some(p)) => println!(
                    "First answer, last {label}: median {}, p90 {} ({} answered)",
                    human_span(jiff::SignedDuration::from_secs(m)),
                    human_span(jiff::SignedDuration::from_secs(p)),
                    r.answered
                ),
                _ => println!("First answer, last {label}: nothing answered"),
            }
        }
    }

    pub fn notes(&self, notes: &[String]) {
        if !self.json {
            for n in notes {
                eprintln!("countersign: note: {n}");
            }
        }
    }

    pub fn account(&self, a: &Account, created_in: Option<&Path>) {
        if self.json {
            return print_json(a);
        }
        if let Some(dir) = created_in {
            println!("Created a workspace for @{} in {}", a.handle, dir.display());
        }
        println!("Account:     @{} ({})", a.handle, a.display_name);
        println!(
            "X user id:   {}",
            a.x_user_id.as_deref().unwrap_or("not connected")
        );
        println!("Time zone:   {}", a.timezone);
        println!("Limit:       {} weighted characters", a.max_weighted_length);
        println!(
            "Solo mode:   {}",
            if a.solo_mode {
                "on (a lone admin may approve their own posts)"
            } else {
                "off"
            }
        );
        println!("Grace:       {} minutes", a.grace_minutes);
    }

    pub fn connected(&self, c: &Connection) {
        if self.json {
            return print_json(c);
        }
        println!(
            "Connected to {} as @{} (user id {}). The tokens are in the OS keychain.",
            c.target(),
            c.username.as_deref().unwrap_or("?"),
            c.x_user_id.as_deref().unwrap_or("?")
        );
    }

    pub fn status(&self, s: &AccountStatus) {
        if self.json {
            return print_json(s);
        }
        let c = &s.connection;
        println!(
            "Account:     @{} ({})",
            s.account.handle, s.account.display_name
        );
        println!("Posting to:  {}", c.target());
        let state = match c.state {
            ConnectionState::Connected => {
                format!("connected as @{}", c.username.as_deref().unwrap_or("?"))
            }
            ConnectionState::NeedsReconnect => {
                "NEEDS RECONNECT: run `countersign account connect` again".into()
            }
            ConnectionState::Disconnected => {
                "not connected: run `countersign account connect`".into()
            }
        };
        println!("Connection:  {state}");
        if let Some(e) = &s.check_error {
            println!("Last check:  {e}");
        }
        if s.budgets.is_empty() && c.state != ConnectionState::Disconnected {
            println!("Budget:      not known yet (X reports it with each response)");
        }
        for b in &s.budgets {
            println!(
                "Budget:      {:<12} {:>5} of {:<5} left in the {} window, resets {}",
                b.endpoint,
                b.remaining,
                b.limit,
                if b.window == "day" {
                    "24-hour"
                } else {
                    "15-minute"
                },
                b.reset_at
            );
        }
    }

    pub fn member(&self, m: &Member) {
        if self.json {
            return print_json(m);
        }
        let state = if m.active { "" } else { " (deactivated)" };
        println!("{} [{}] is {}{state}", m.name, m.initials, m.role);
    }

    pub fn members(&self, ms: &[Member]) {
        if self.json {
            return print_json(&ms);
        }
        if ms.is_empty() {
            println!("No members yet: add one with `countersign member add NAME --role admin`.");
        }
        for m in ms {
            let state = if m.active { "active" } else { "deactivated" };
            println!(
                "{:<24} {:<5} {:<12} {state}",
                m.name,
                m.initials,
                m.role.as_str()
            );
        }
    }

    pub fn created(&self, v: &PostView) {
        if self.json {
            return print_json(&json!({"id": v.post.id}));
        }
        println!(
            "Saved draft {} ({} part(s))",
            v.post.id,
            v.post.content.parts.len()
        );
        for (i, c) in v.counts.iter().enumerate() {
            if !c.valid {
                println!(
                    "  part {}: {}/{} - fix before submitting",
                    i + 1,
                    c.weighted_length,
                    c.weighted_length as i64 + c.remaining
                );
            }
        }
    }

    pub fn moved(&self, p: &Post, verb: &str) {
        if self.json {
            return print_json(&json!({
                "id": p.id, "status": p.status, "version": p.version,
                "scheduled_at": p.scheduled.as_ref().map(|s| s.at),
            }));
        }
        let mut line = format!(
            "Post {} {verb}: now {} (version {})",
            p.id, p.status, p.version
        );
        if let Some(s) = &p.scheduled {
            line.push_str(&format!(
                ", goes out {} {} ({})",
                wall_time(s.at, &s.zone),
                s.zone,
                s.at
            ));
        }
        println!("{line}");
    }

    pub fn post(&self, v: &PostView) {
        if self.json {
            return print_json(&post_json(v));
        }
        let p = &v.post;
        println!("Post {}  [{}]  version {}", p.id, p.status, p.version);
        println!(
            "Author: {} ({}){}",
            p.author.name,
            p.author.initials,
            if p.content.signature { ", signed" } else { "" }
        );
        if let Some(r) = &p.status_reason {
            println!("Why:    {r}");
        }
        for (i, (part, c)) in p.content.parts.iter().zip(&v.counts).enumerate() {
            let mark = if c.valid { "ok" } else { "NOT VALID" };
            println!(
                "--- part {} of {}: {}/{} {mark}",
                i + 1,
                p.content.parts.len(),
                c.weighted_length,
                c.weighted_length as i64 + c.remaining
            );
            println!("{}", part.text);
            for a in &part.media {
                println!(
                    "  [{} {}] alt: {}",
                    a.media.kind.as_str(),
                    a.media.original_name,
                    if a.alt_text.is_empty() {
                        "(none)"
                    } else {
                        &a.alt_text
                    }
                );
            }
        }
        match &v.approval {
            Some(a) => println!(
                "Approved by {} at {} (version {}{}{}), digest {}…",
                a.approver.name,
                a.at,
                a.version,
                if a.solo {
                    ", SOLO MODE: self-approved"
                } else {
                    ""
                },
                if a.edited {
                    ", edited while approving"
                } else {
                    ""
                },
                &a.digest[..12]
            ),
            None => println!(
                "Not approved{}",
                if v.solo_mode {
                    " (solo mode is on)"
                } else {
                    ""
                }
            ),
        }
        if let Some(s) = &p.scheduled {
            println!(
                "Scheduled for {} {} ({})",
                wall_time(s.at, &s.zone),
                s.zone,
                s.at
            );
        }
        for c in &v.comments {
            println!(
                "  {} at {} on v{}: {}",
                c.author.name, c.at, c.version, c.text
            );
        }
    }

    pub fn slots(&self, slots: &[QueueSlot]) {
        if self.json {
            return print_json(&slots);
        }
        if slots.is_empty() {
            println!(
                "No queue slots. Add one: countersign queue slots add tuesday 09:00 --as NAME"
            );
        }
        for s in slots {
            println!(
                "{:<10} {}",
                format!("{:?}", s.weekday).to_lowercase(),
                s.time.strftime("%H:%M")
            );
        }
    }

    /// Posts on the calendar (or in the queue), with their wall time in the brand's zone.
    pub fn calendar(&self, items: &[CalendarItem], zone: &str) {
        if self.json {
            return print_json(&items);
        }
        if items.is_empty() {
            println!("Nothing in that range.");
        }
        for c in items {
            println!(
                "{} {}  {}  {:<12} {:<16} {}{}",
                wall_time(c.at, zone),
                zone,
                c.id,
                c.status.as_str(),
                excerpt(&c.author, 16),
                excerpt(&c.text, 40),
                if c.queued { "  [queue]" } else { "" }
            );
        }
    }

    /// What `publish --once` did.
    pub fn pass(&self, r: &PassReport) {
        if self.json {
            return print_json(r);
        }
        println!("{}", pass_line(r));
        if let Some(b) = &r.blocked {
            println!("Nothing could be sent: {b}.");
        }
    }

    pub fn posts(&self, ps: &[PostSummary]) {
        if self.json {
            return print_json(&ps);
        }
        if ps.is_empty() {
            println!("No posts.");
        }
        for p in ps {
            println!(
                "{}  {:<17} {:<16} {}{}",
                p.id,
                p.status.as_str(),
                excerpt(&p.author, 16),
                excerpt(&p.text, 48),
                if p.parts > 1 {
                    format!(" (+{} parts)", p.parts - 1)
                } else {
                    String::new()
                }
            );
        }
    }

    pub fn comment(&self, c: &Comment) {
        if self.json {
            return print_json(
                &json!({"id": c.id, "post_id": c.post_id, "by": c.author.name, "at": c.at, "text": c.text}),
            );
        }
        println!("{} commented on {}", c.author.name, c.post_id);
    }

    pub fn diff(&self, d: &ReviewDiff) {
        if self.json {
            return print_json(d);
        }
        match d.from_version {
            Some(v) => println!(
                "Changes from version {v} (last reviewed) to version {}:",
                d.to_version
            ),
            None => println!("Not reviewed before; version {} in full:", d.to_version),
        }
        for p in &d.parts {
            let text: String = p
                .spans
                .iter()
                .map(|s| match s.change {
                    Change::Same => s.text.clone(),
                    Change::Added => format!("{{+{}+}}", s.text),
                    Change::Removed => format!("[-{}-]", s.text),
                })
                .collect();
            println!(
                "part {}: {text}{}",
                p.part,
                if p.media_changed {
                    "  (media changed)"
                } else {
                    ""
                }
            );
        }
    }

    pub fn versions(&self, vs: &[Version]) {
        if self.json {
            return print_json(&vs);
        }
        for v in vs {
            println!("version {} by {} at {}", v.version, v.editor.name, v.at);
            for (i, p) in v.content.parts.iter().enumerate() {
                println!("  {}: {}", i + 1, excerpt(&p.text, 72));
            }
        }
    }

    pub fn history(&self, rows: &[HistoryRow]) {
        if self.json {
            return print_json(&rows);
        }
        if rows.is_empty() {
            println!("Nothing posted yet.");
        }
        for r in rows {
            let when = r.posted_at.map(|t| t.to_string()).unwrap_or_default();
            let approver = r.approver.clone().unwrap_or_else(|| "-".into());
            println!(
                "{when}  by {} approved by {}{}  {}",
                r.author,
                approver,
                if r.solo { " (solo)" } else { "" },
                excerpt(r.parts.first().map(String::as_str).unwrap_or(""), 60)
            );
            if let Some(url) = &r.post_url {
                println!("    {url}");
            }
        }
    }

    pub fn audit_report(&self, r: &AuditReport) {
        if self.json {
            return print_json(r);
        }
        match &r.first_broken {
            None => println!(
                "Audit trail intact: {} entries, every link and signature holds.",
                r.entries
            ),
            Some(b) => println!("AUDIT TRAIL BROKEN at entry {}: {}", b.seq, b.reason),
        }
        if let Some(b) = &r.roster_broken {
            println!("ROSTER BROKEN at entry {}: {}", b.seq, b.reason);
        }
        if let Some(p) = &r.post_broken {
            println!(
                "Post {} will not be published: its approval does not hold ({}). An approver \
                 decides.",
                p.post_id, p.reason
            );
        }
        match &r.server_copy {
            None => {}
            Some(ServerCopy::Matches) => {
                println!(
                    "The team server's copy of the trail and the roster matches this laptop's."
                )
            }
            Some(ServerCopy::Unreachable(why)) => {
                println!("The team server's copy was not compared: {why}")
            }
            Some(ServerCopy::Differs(why)) => println!("TEAM SERVER'S COPY DIFFERS: {why}"),
        }
    }

    pub fn audit_trail(&self, es: &[AuditEntry]) {
        if self.json {
            return print_json(&es);
        }
        for e in es {
            let post = e
                .post_id
                .map(|p| format!(" post {p} v{}", e.version.unwrap_or(0)))
                .unwrap_or_default();
            println!(
                "{:>5} {} {:<10} {}{post} {}",
                e.seq, e.at, e.actor_name, e.action, e.detail
            );
        }
    }
}

fn pass_line(r: &PassReport) -> String {
    format!(
        "Posted {}, waiting {}, failed {}, needs check {}, missed {}.",
        r.posted.len(),
        r.waiting.len(),
        r.failed.len(),
        r.needs_check.len(),
        r.missed.len()
    )
}

/// The always-on publisher's log line for a pass that did something.
pub fn log_pass(r: &PassReport) {
    let quiet = r.posted.is_empty()
        && r.failed.is_empty()
        && r.needs_check.is_empty()
        && r.missed.is_empty()
        && r.blocked.is_none();
    if quiet {
        return;
    }
    tracing::info!(
        posted = ?r.posted,
        failed = ?r.failed,
        needs_check = ?r.needs_check,
        missed = ?r.missed,
        blocked = r.blocked.as_deref().unwrap_or(""),
        "{}",
        pass_line(r)
    );
}

/// `[start, end)` of `days` days from `from` (YYYY-MM-DD, default today), in `zone`.
pub fn day_range(
    from: Option<&str>,
    days: u32,
    zone: &str,
    now: jiff::Timestamp,
) -> Result<(jiff::Timestamp, jiff::Timestamp), countersign_core::Error> {
    let tz = countersign_core::schedule::zone(zone)?;
    let bad = |input: &str| countersign_core::Error::InvalidTime {
        input: input.to_string(),
    };
    let date = match from {
        Some(d) => d.trim().parse::<jiff::civil::Date>().map_err(|_| bad(d))?,
        None => now.to_zoned(tz.clone()).date(),
    };
    let start = date
        .to_zoned(tz.clone())
        .map_err(|_| bad(&date.to_string()))?;
    let end = date
        .checked_add(jiff::Span::new().days(i64::from(days.max(1))))
        .map_err(|_| bad(&date.to_string()))?
        .to_zoned(tz)
        .map_err(|_| bad(&date.to_string()))?;
    Ok((start.timestamp(), end.timestamp()))
}

/// The always-on publisher's log line for an event.
pub fn log_event(event: &countersign_core::Event) {
    use countersign_core::Event as E;
    match event {
        E::Posted { post_id, url } => tracing::info!(%post_id, %url, "posted"),
        E::Failed { post_id, reason } => tracing::error!(%post_id, %reason, "failed"),
        E::NeedsCheck { post_id, reason } => {
            tracing::warn!(%post_id, %reason, "needs a check by a person")
        }
        E::Missed { post_id, at } => tracing::warn!(%post_id, %at, "missed its time"),
        E::NeedsReconnect { laptop_of: None } => {
            tracing::error!("the X account needs reconnecting: `countersign account connect`")
        }
        E::NeedsReconnect {
            laptop_of: Some(member),
        } => tracing::warn!(%member, "another laptop lost its X connection"),
        other => tracing::debug!(?other, "event"),
    }
}
