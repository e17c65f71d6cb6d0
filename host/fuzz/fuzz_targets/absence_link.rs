//! The absence link token reader (`peerwell::links`) on arbitrary text:
//! never panics; a token it accepts is exactly `<group>.<index>.<member>.
//! <32 hex>` rebuilt from its parts; under a fixed key a token verifies only
//! when it is the one that key signs for its parts, and every signed token
//! verifies back to the same target.

#![no_main]

use libfuzzer_sys::fuzz_target;
use peerwell::links::{LinkKey, parse};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let key = LinkKey::new(vec![0x5a; 32]);
    match parse(text) {
        Ok(parsed) => {
            let t = &parsed.target;
            let hex: String = parsed.mac.iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(format!("{}.{}.{}.{hex}", t.group, t.index, t.member), text);
            let signed = key.sign(t);
            assert_eq!(key.verify(&signed).as_ref(), Ok(t));
            assert_eq!(key.verify(text).is_ok(), signed == text);
        }
        Err(_) => assert!(key.verify(text).is_err()),
    }
});
