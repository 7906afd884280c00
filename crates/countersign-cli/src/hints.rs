//! What to type next: core's refusals are written for any adapter ("say which of the two you
//! mean"), and the CLI adds, by error code, the flag or command that does it here
//! ("--fold earlier or --fold later"). The desktop app offers the same choice as buttons.

use countersign_core::Error;

/// The refusal's message with the CLI's next step, when it has one.
pub fn message(e: &Error) -> String {
    match hint(e) {
        Some(h) => format!("{e} ({h})"),
        None => e.to_string(),
    }
}

/// `{code, message}` for `--json`, the message with its hint.
pub fn json(e: &Error) -> serde_json::Value {
    serde_json::json!({"code": e.code(), "message": message(e)})
}

fn hint(e: &Error) -> Option<String> {
    Some(match e {
        Error::NoWorkspace { .. } => "run `countersign init --handle HANDLE` first".into(),
        Error::AlreadyInitialized { .. } => "use another --data-dir".into(),
        Error::Corrupt { .. } => "copies come from `countersign backup FILE`".into(),
        Error::UnknownMember { .. } => "`countersign member list` shows who is here".into(),
        Error::UnknownPost { .. } => "`countersign draft list` shows the posts".into(),
        Error::OwnEdit { .. } => "edit while approving: `approve ID --part N --text T`".into(),
        Error::NoSuchPart { count, .. } => format!("`--part {}` adds one", count + 1),
        Error::AmbiguousTime { .. } => "add --fold earlier or --fold later".into(),
        Error::NotConnected => "run `countersign account connect` (or --sandbox URL)".into(),
        Error::NoClientId => "pass --client-id".into(),
        Error::PassphraseRequired { .. } => {
            "the prompt asks for it; scripts set COUNTERSIGN_PASSPHRASE".into()
        }
        Error::NewPassphraseRequired { .. } => {
            "the prompt asks for it; scripts set COUNTERSIGN_NEW_PASSPHRASE".into()
        }
        Error::WrongPassphrase { name }
        | Error::MemberKeyMissing { name }
        | Error::MemberKeyUnreadable { name } => {
            format!("`countersign member rekey \"{name}\" --as ADMIN`")
        }
        Error::SignerNotInRoster { name } => {
            format!("`countersign member role \"{name}\" --role admin --as ADMIN`")
        }
        Error::RosterDisagrees { name, .. } => {
            format!("`countersign member role \"{name}\" --role ROLE --as ADMIN`")
        }
        Error::UnknownSlot { .. } => "`countersign queue slots list` shows them".into(),
        Error::QueueFull { .. } => "`countersign queue slots add DAY HH:MM --as NAME`".into(),
        Error::NotInQueue { .. } => "queue it with `schedule ID --queue`".into(),
        _ => return None,
    })
}
