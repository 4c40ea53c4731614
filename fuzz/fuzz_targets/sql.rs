#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| migdoc_fuzz::sql(data));
