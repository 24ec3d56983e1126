//! Fuzz target `item_json`: see `ddb_core_fuzz::item_json` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ddb_core_fuzz::item_json(data));
