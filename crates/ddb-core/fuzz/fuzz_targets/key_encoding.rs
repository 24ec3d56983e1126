//! Fuzz target `key_encoding`: see `ddb_core_fuzz::key_encoding` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ddb_core_fuzz::key_encoding(data));
