//! Fuzz target `expr_projection`: see `ddb_core_fuzz::expr_projection` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ddb_core_fuzz::expr_projection(data));
