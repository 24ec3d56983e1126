//! The storage layer of the data plane: a narrow engine trait (ordered keys
//! → bytes, snapshot reads, atomic durable batches), its engines and their
//! shared conformance suite. The trait and engines arrive with the item
//! engine (issue #4); this crate holds the place in the crate graph.
