//! Present so that cargo resolves the `[build-dependencies]` that unify host-side features.
fn main() {
    // Nothing here depends on the environment or the sources: never rerun.
    println!("cargo:rerun-if-changed=build.rs");
}
