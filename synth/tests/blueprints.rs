//! Data-driven blueprint tests.
//!
//! - `data/err/*.yaml` must fail; the rendered report is compared with the sibling `.txt` file.
//! - `data/ok/*.yaml` must synthesize; the template passes the offline checks.
//!
//! Set `UPDATE_EXPECT=1` to rewrite the expected `.txt` files after an intended change.

use std::path::{Path, PathBuf};

fn fixtures(dir: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fixture directory exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no fixtures in {}", dir.display());
    files
}

fn shown(path: &Path) -> String {
    format!(
        "tests/data/{}",
        path.strip_prefix(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data"))
            .expect("under data")
            .display()
    )
}

#[track_caller]
fn check_file(expected_path: &Path, actual: &str) {
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(expected_path, actual).expect("write expectation");
        return;
    }
    let expected = std::fs::read_to_string(expected_path).unwrap_or_default();
    assert!(
        expected == actual,
        "{} differs (run with UPDATE_EXPECT=1 to accept):\n--- expected\n{expected}\n--- actual\n{actual}",
        expected_path.display()
    );
}

#[test]
fn invalid_blueprints_report_every_problem_with_its_location() {
    for file in fixtures("err") {
        let source = std::fs::read_to_string(&file).expect("read fixture");
        let err = match synth::synthesize(&shown(&file), &source, None) {
            Ok(_) => panic!("{} should have failed", file.display()),
            Err(e) => e,
        };
        assert!(
            matches!(err, synth::Error::Blueprint(_)),
            "{}: not a blueprint error: {err}",
            file.display()
        );
        check_file(&file.with_extension("txt"), &format!("{err}\n"));
    }
}

#[test]
fn valid_blueprints_synthesize_and_pass_the_offline_checks() {
    for file in fixtures("ok") {
        let source = std::fs::read_to_string(&file).expect("read fixture");
        let artifacts = synth::synthesize(&shown(&file), &source, None)
            .unwrap_or_else(|e| panic!("{} failed:\n{e}", file.display()));
        for artifact in &artifacts {
            assert!(synth::check::template(&artifact.template).is_empty());
        }
        // A multi-region blueprint's stacks are compared one file each: `<fixture>.<region>.expected`.
        match artifacts.as_slice() {
            [single] if single.region.is_none() => {
                check_file(&file.with_extension("expected"), &single.files[0].1)
            }
            stacks => {
                for a in stacks {
                    let region = a.region.as_deref().expect("a multi-region stack has a region");
                    check_file(&file.with_extension(format!("{region}.expected")), &a.files[0].1);
                }
            }
        }
    }
}

#[test]
fn unknown_environment_is_reported_with_a_suggestion() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../blueprints/private-lambda.yaml");
    let source = std::fs::read_to_string(file).expect("read blueprint");
    let err =
        synth::synthesize("blueprints/private-lambda.yaml", &source, Some("prd")).expect_err("unknown env");
    let text = err.to_string();
    assert!(text.contains("unknown environment 'prd': expected one of prod"), "{text}");
    assert!(text.contains("did you mean 'prod'?"), "{text}");
}

#[test]
fn synthesis_is_deterministic() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../blueprints/private-lambda.yaml");
    let source = std::fs::read_to_string(file).expect("read blueprint");
    let a =
        synth::synthesize("blueprints/private-lambda.yaml", &source, Some("prod")).expect("synth").remove(0);
    let b =
        synth::synthesize("blueprints/private-lambda.yaml", &source, Some("prod")).expect("synth").remove(0);
    assert_eq!(a.files, b.files);
    assert_eq!(a.stack, "private-lambda-prod");
}

#[test]
fn sam_flavour_renders_serverless_functions_with_their_schedule() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../blueprints/alb-static-ip.yaml");
    let source = std::fs::read_to_string(file).expect("read blueprint");
    let sam =
        synth::synthesize("blueprints/alb-static-ip.yaml", &source, Some("sam")).expect("synth").remove(0);
    let cfn = synth::synthesize("blueprints/alb-static-ip.yaml", &source, None).expect("synth").remove(0);
    let types = |a: &synth::Artifact| -> Vec<&str> {
        a.template.resources.values().map(|r| r.props.type_name()).collect()
    };
    assert_eq!(sam.template.transform, Some(synth::cfn::SAM_TRANSFORM));
    assert!(types(&sam).contains(&"AWS::Serverless::Function"));
    assert!(!types(&sam).contains(&"AWS::Events::Rule"), "the schedule is an event of the SAM function");
    assert!(types(&cfn).contains(&"AWS::Events::Rule") && types(&cfn).contains(&"AWS::Lambda::Function"));
    let yaml = &sam.files[0].1;
    assert!(yaml.contains("Transform: AWS::Serverless-2016-10-31"), "{yaml}");
    assert!(yaml.contains("Type: Schedule"), "{yaml}");
}
