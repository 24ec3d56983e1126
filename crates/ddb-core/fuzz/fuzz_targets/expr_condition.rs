//! Fuzz target `expr_condition`: see `ddb_core_fuzz::expr_condition` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ddb_core_fuzz::expr_condition(data));
