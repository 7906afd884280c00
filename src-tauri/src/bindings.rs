//! Generates `ui/src/lib/bindings.ts`: the TypeScript types of every command's arguments and
//! result, of errors and of events, all from the Rust types. The file is committed; the test
//! below fails when it no longer matches the Rust side. Regenerate it with
//! `UPDATE_BINDINGS=1 cargo test -p countersign-app bindings`.

use std::any::TypeId;
use std::collections::{BTreeMap, HashSet};

use countersign_core::Event;
use ts_rs::{Config, TS, TypeVisitor};

use crate::commands::{self, CommandTypes};
use crate::workspace::ErrorBody;

/// Where the generated file lives, relative to this crate.
pub const BINDINGS_PATH: &str = "../ui/src/lib/bindings.ts";

/// Collects the declaration of every named type reachable from the roots.
struct Declarations {
    cfg: Config,
    seen: HashSet<TypeId>,
    decls: BTreeMap<String, String>,
}

impl Declarations {
    fn add<T: TS + 'static + ?Sized>(&mut self) {
        if !self.seen.insert(TypeId::of::<T>()) {
            return;
        }
        if T::output_path().is_some() {
            let mut decl = String::new();
            if let Some(docs) = T::docs() {
                decl.push_str(&docs);
            }
            decl.push_str("export ");
            decl.push_str(&T::decl(&self.cfg));
            self.decls.insert(T::ident(&self.cfg), decl);
        }
        T::visit_dependencies(self);
        T::visit_generics(self);
    }
}

impl TypeVisitor for Declarations {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        self.add::<T>();
    }
}

impl CommandTypes for Declarations {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        self.add::<T>();
    }
}

/// The whole `bindings.ts`.
pub fn typescript() -> String {
    let config = || Config::new().with_large_int("number");
    let cfg = config();
    let mut d = Declarations {
        cfg: config(),
        seen: HashSet::new(),
        decls: BTreeMap::new(),
    };
    commands::visit_types(&mut d);
    d.add::<Event>();
    d.add::<ErrorBody>();
    d.add::<commands::StagedMedia>();
    d.decls.insert("ErrorCode".into(), error_codes());
    let mut out = String::from(
        "// Generated from the Rust types by `UPDATE_BINDINGS=1 cargo test -p countersign-app bindings`.\n\
         // Do not edit: `cargo test` fails when this file and the Rust side differ.\n\
         /* eslint-disable */\n\n",
    );
    out.push_str("export type JsonValue = number | string | boolean | Array<JsonValue> | { [key in string]?: JsonValue } | null;\n\n");
    for decl in d.decls.values() {
        out.push_str(decl);
        out.push_str("\n\n");
    }
    out.push_str(
        "/** Every command: its arguments and what it returns. */\nexport type Commands = {\n",
    );
    for sig in commands::signatures(&cfg) {
        let docs: Vec<&str> = sig.docs.lines().map(str::trim).collect();
        if !docs.is_empty() {
            out.push_str(&format!("  /** {} */\n", docs.join(" ")));
        }
        let args: Vec<String> = sig
            .args
            .iter()
            .map(|(name, ty)| format!("{name}: {ty}"))
            .collect();
        out.push_str(&format!(
            "  {}: {{ args: {{ {} }}; returns: {} }};\n",
            sig.name,
            args.join(", "),
            sig.returns
        ));
    }
    out.push_str("};\n\n");
    out.push_str("/** The commands that take arguments other than JSON (see api.ts). */\n");
    out.push_str("export type RawCommands = {\n  stage_media: { returns: StagedMedia };\n};\n\n");
    out.push_str(&format!(
        "/** The Tauri event that carries core events. */\nexport const CORE_EVENT = \"{}\";\n",
        crate::bridge::CORE_EVENT
    ));
    out.push_str("\n/** Every command name, as the capability grants them. */\nexport const COMMAND_NAMES = [\n");
    for name in commands::NAMES {
        out.push_str(&format!("  \"{name}\",\n"));
    }
    out.push_str("] as const;\n");
    out
}

/// `ErrorCode`: every code core's errors carry, so the UI's checks on codes are type-checked.
fn error_codes() -> String {
    let mut decl = String::from(
        "/** Every code a refusal or failure from core can carry (`countersign_core::error::ALL_CODES`). */\n\
         export type ErrorCode =",
    );
    for code in countersign_core::error::ALL_CODES {
        decl.push_str(&format!("\n  | \"{code}\""));
    }
    decl.push(';');
    decl
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bindings_match_the_rust_types() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(BINDINGS_PATH);
        let fresh = typescript();
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            std::fs::write(&path, &fresh).expect("cannot write bindings.ts");
            return;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == fresh,
            "ui/src/lib/bindings.ts differs from the Rust types; regenerate it with \
             `UPDATE_BINDINGS=1 cargo test -p countersign-app bindings` and commit it"
        );
    }

    #[test]
    fn the_capability_grants_exactly_the_commands() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("capabilities/default.json");
        let text = std::fs::read_to_string(path).expect("the capability file");
        let cap: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        let granted: std::collections::BTreeSet<String> = cap["permissions"]
            .as_array()
            .expect("a permissions list")
            .iter()
            .filter_map(|p| p.as_str())
            .filter_map(|p| p.strip_prefix("allow-"))
            .map(|p| p.replace('-', "_"))
            .collect();
        let registered: std::collections::BTreeSet<String> =
            commands::NAMES.iter().map(|s| s.to_string()).collect();
        assert_eq!(granted, registered);
    }

    #[test]
    fn errors_cross_as_code_and_message() {
        let e = countersign_core::Error::NothingChanged;
        let v = serde_json::to_value(&e).expect("serializes");
        let keys: Vec<&String> = v.as_object().expect("an object").keys().collect();
        assert_eq!(keys, ["code", "message"]);
        assert_eq!(v["code"], "nothing_changed");
    }
}
