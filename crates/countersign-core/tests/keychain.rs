//! The keychain module against a real Secret Service (a headless GNOME Keyring started by
//! scripts/with-keychain.sh). These tests need one, so a plain `cargo test` lists them as
//! ignored with the reason; scripts/test.sh runs them (`--include-ignored`), and there a
//! missing keychain fails them: they never pass without asserting.
#![allow(clippy::unwrap_used)]

use countersign_core::secrets::{Channel, Keychain, SecretStore, SecretString};

/// The keychain on the test channel; a test that asked for it fails when there is none.
fn keychain() -> Keychain {
    let k = Keychain::new(Channel::Test);
    if let Err(e) = k.check() {
        panic!(
            "this test needs the OS keychain (run it inside scripts/with-keychain.sh, as \
             scripts/test.sh does): {e} [{}]",
            e.code()
        );
    }
    k
}

#[test]
#[ignore = "needs the OS keychain (a Secret Service): scripts/test.sh runs it"]
fn get_set_delete_round_trip() {
    let k = keychain();
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
#[ignore = "needs the OS keychain (a Secret Service): scripts/test.sh runs it"]
fn channels_do_not_see_each_others_secrets() {
    let test = keychain();
    let key = format!("isolated-{}", uuid::Uuid::now_v7());
    test.set(&key, &SecretString::new("test only")).unwrap();
    assert_eq!(Keychain::new(Channel::Dev).get(&key).unwrap(), None);
    assert_eq!(Keychain::new(Channel::Release).get(&key).unwrap(), None);
    test.delete(&key).unwrap();
}

#[test]
#[ignore = "needs the OS keychain (a Secret Service): scripts/test.sh runs it"]
fn refreshing_one_entry_waits_for_the_other_refresher() {
    let k = keychain();
    let key = format!("refresh-{}", uuid::Uuid::now_v7());
    let held = k.lock_refresh(&key).unwrap();
    let other = k.clone();
    let k2 = key.clone();
    let waited = std::thread::spawn(move || {
        let started = std::time::Instant::now();
        drop(other.lock_refresh(&k2).unwrap());
        started.elapsed()
    });
    std::thread::sleep(std::time::Duration::from_millis(150));
    drop(held);
    let waited = waited.join().unwrap();
    assert!(
        waited >= std::time::Duration::from_millis(140),
        "the second refresher went ahead after {waited:?}"
    );
}
