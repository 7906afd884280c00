//! The keychain module against a real Secret Service (a headless GNOME Keyring started by
//! scripts/with-keychain.sh). scripts/test.sh sets COUNTERSIGN_REQUIRE_KEYCHAIN=1, so there a
//! missing keychain fails these tests instead of skipping them.
#![allow(clippy::unwrap_used)]

use countersign_core::secrets::{Channel, Keychain, SecretString};

fn keychain() -> Option<Keychain> {
    let k = Keychain::new(Channel::Test);
    match k.check() {
        Ok(()) => Some(k),
        Err(e) if std::env::var_os("COUNTERSIGN_REQUIRE_KEYCHAIN").is_none() => {
            eprintln!(
                "skipped: no usable keychain here ({}); scripts/test.sh provides one",
                e.code()
            );
            None
        }
        Err(e) => panic!(
            "the keychain must work under scripts/test.sh: {e} [{}]",
            e.code()
        ),
    }
}

#[test]
fn get_set_delete_round_trip() {
    let Some(k) = keychain() else { return };
    let key = format!("round-trip-{}", uuid::Uuid::now_v7());
    assert_eq!(k.get(&key).unwrap(), None, "a missing entry is None");
    k.set(&key, &SecretString::new("first")).unwrap();
    assert_eq!(k.get(&key).unwrap().unwrap().expose(), "first");
    k.set(&key, &SecretString::new("second ✓ with unicode"))
        .unwrap();
    assert_eq!(
        k.get(&key).unwrap().unwrap().expose(),
        "second ✓ with unicode"
    );
    k.delete(&key).unwrap();
    assert_eq!(k.get(&key).unwrap(), None);
    k.delete(&key).unwrap();
}

#[test]
fn channels_do_not_see_each_others_secrets() {
    let Some(test) = keychain() else { return };
    let key = format!("isolated-{}", uuid::Uuid::now_v7());
    test.set(&key, &SecretString::new("test only")).unwrap();
    assert_eq!(Keychain::new(Channel::Dev).get(&key).unwrap(), None);
    assert_eq!(Keychain::new(Channel::Release).get(&key).unwrap(), None);
    test.delete(&key).unwrap();
}
