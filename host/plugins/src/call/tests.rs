use super::*;

#[test]
fn sizes_read_plainly() {
    assert_eq!(size_text(8 * 1024 * 1024), "8.0 MiB");
    assert_eq!(size_text(2048), "2 KiB");
    assert_eq!(size_text(12), "12 bytes");
    assert_eq!(limit_text(1024), "1 MiB");
    assert_eq!(limit_text(512), "512 KiB");
}
