//! `countersign account …`: the brand's X account, its connection and its settings.

use clap::Subcommand;
use countersign_core::Error;
use countersign_core::app::AccountChange;
use countersign_core::x_account::Target;

use crate::output::Out;
use crate::session::{Session, runtime, unlock};

#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Show the account and its settings.
    Show,
    /// Connect the brand's X account (a browser opens), or a running sandbox with --sandbox URL.
    Connect {
        /// Connect to an x-sandbox at this URL instead of X: no browser, no X account.
        #[arg(long, value_name = "URL")]
        sandbox: Option<String>,
        /// Your X app's OAuth 2.0 client id (Native App); see README.
        #[arg(long, env = "COUNTERSIGN_X_CLIENT_ID")]
        client_id: Option<String>,
        /// The loopback port registered as the redirect URI (http://127.0.0.1:PORT/callback).
        #[arg(long, default_value_t = countersign_x::DEFAULT_REDIRECT_PORT)]
        port: u16,
        /// The admin connecting it (recorded in the audit trail).
        #[arg(long = "as", value_name = "ADMIN")]
        actor: Option<String>,
    },
    /// The connection, whether it works (one request to X), and the budget left.
    Status {
        /// Don't ask X; show what is known.
        #[arg(long)]
        offline: bool,
    },
    /// Revoke the tokens and forget the connection.
    Disconnect {
        #[arg(long = "as", value_name = "ADMIN")]
        actor: Option<String>,
    },
    /// Change settings (admins only).
    Set {
        #[arg(long = "as", value_name = "ADMIN")]
        actor: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        timezone: Option<String>,
        #[arg(long)]
        limit: Option<u32>,
        /// on or off.
        #[arg(long, value_parser = parse_on_off)]
        solo: Option<bool>,
        /// Minutes a due post may be late and still go out.
        #[arg(long)]
        grace_minutes: Option<u32>,
    },
}

fn parse_on_off(s: &str) -> Result<bool, String> {
    match s {
        "on" | "true" | "yes" => Ok(true),
        "off" | "false" | "no" => Ok(false),
        _ => Err(format!("{s:?}: use on or off")),
    }
}

/// The top-level entry point for `countersign account …`.
pub fn run(session: &Session, out: &Out, cmd: &AccountCommand) -> Result<(), Error> {
    let app = session.open()?;
    match cmd {
        AccountCommand::Show => out.account(&app.account()?, None),
        AccountCommand::Connect {
            sandbox,
            client_id,
            port,
            actor,
        } => {
            let target = match sandbox {
                Some(url) => Target::Sandbox(url.clone()),
                None => Target::X {
                    client_id: client_id.clone(),
                    redirect_port: *port,
                },
            };
            // A team laptop's member signs the announcement of its publishing key.
            let signer = match actor {
                Some(a) => Some(a.clone()),
                None => app.laptop_member()?,
            };
            unlock(&app, signer.as_deref())?;
            let c = runtime()?.block_on(app.connect(actor.as_deref(), target, open_browser))?;
            out.connected(&c);
        }
        AccountCommand::Status { offline } => {
            let status = runtime()?.block_on(app.account_status(!offline))?;
            out.status(&status);
        }
        AccountCommand::Disconnect { actor } => {
            unlock(&app, actor.as_deref())?;
            let c = runtime()?.block_on(app.disconnect(actor.as_deref()))?;
            out.done(
                &format!(
                    "Disconnected from {}; the tokens are revoked and removed from the keychain.",
                    c.target()
                ),
                &serde_json::json!(c),
            );
        }
        AccountCommand::Set {
            actor,
            name,
            timezone,
            limit,
            solo,
            grace_minutes,
        } => {
            unlock(&app, Some(actor))?;
            let a = app.update_account(
                actor,
                AccountChange {
                    display_name: name.clone(),
                    timezone: timezone.clone(),
                    max_weighted_length: *limit,
                    solo_mode: *solo,
                    grace_minutes: *grace_minutes,
                },
            )?;
            out.account(&a, None);
        }
    }
    Ok(())
}

/// Opens X's consent page in the system browser, and says where it is in case that fails.
fn open_browser(url: &url::Url) -> Result<(), String> {
    eprintln!(
        "Opening X in your browser to connect the account. If nothing opens, visit:\n  {url}"
    );
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    match std::process::Command::new(opener).arg(url.as_str()).spawn() {
        Ok(_) => Ok(()),
        // The URL is printed above: a person can still open it by hand.
        Err(_) => Ok(()),
    }
}
