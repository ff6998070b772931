//! Present so that cargo resolves the `[build-dependencies]` that unify host-side features.
fn main() {}
