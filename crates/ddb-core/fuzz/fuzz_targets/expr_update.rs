//! Fuzz target `expr_update`: see `ddb_core_fuzz::expr_update` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ddb_core_fuzz::expr_update(data));
