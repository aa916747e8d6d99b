//! The national control list: the shipped versions, structural checks, the semver rule,
//! diff and HS classification.

use interlock_core::control_list::{
    ControlList, ControlListError, ControlLists, NewVersion, classify_hs, diff,
};

fn fixture(version: &str) -> ControlList {
    let path = format!(
        "{}/../../fixtures/control-list/national-control-list-{version}.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    ControlList::from_toml_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[track_caller]
fn golden(name: &str, actual: &str) {
    let path = format!(
        "{}/tests/data/control-list/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).expect("write golden");
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    assert_eq!(actual, expected, "differs from {path}");
}

const HEADER: &str = "name = \"Test\"\nversion = \"1.0.0\"\nvalid_from = \"2024-01-01\"\n";

fn problems(entries: &str) -> Vec<String> {
    match ControlList::from_toml_str(&format!("{HEADER}{entries}")) {
        Err(ControlListError::Invalid(problems)) => problems,
        other => panic!("expected problems, got {other:?}"),
    }
}

#[test]
fn the_shipped_versions_are_valid_and_cover_every_att_category() {
    let list = fixture("1.0.0");
    assert_eq!(list.version, semver::Version::new(1, 0, 0));
    for code in [
        "I",
        "II",
        "III",
        "IV.a",
        "IV.b",
        "V.a",
        "V.b",
        "VI.a",
        "VI.b",
        "VII.a",
        "VII.b",
        "VIII.SA.1",
        "VIII.SA.2",
        "VIII.SA.3",
        "VIII.SA.4",
        "VIII.SA.5",
        "VIII.SA.6",
        "VIII.LW.1",
        "VIII.LW.2",
        "VIII.LW.3",
        "VIII.LW.4",
        "VIII.LW.5",
        "VIII.LW.6",
        "VIII.LW.7",
        "art3",
        "art4",
    ] {
        assert!(
            list.entries.iter().any(|e| e.att.code() == code),
            "no entry for ATT scope {code}"
        );
    }
    fixture("1.1.0");
}

#[test]
fn structural_problems_are_all_reported() {
    let found = problems(
        r#"
[[entry]]
id = "A"
title = "a"
att = "VIII.SA"
[[entry]]
id = "A"
title = "duplicate"
att = "art3"
[[entry]]
id = "B"
parent = "A"
title = "b"
att = "VIII.LW.1"
hs = ["930150"]
[[entry]]
id = "C"
parent = "Z"
title = ""
att = "art4"
[[entry]]
id = "D"
parent = "E"
title = "d"
att = "art4"
[[entry]]
id = "E"
parent = "D"
title = "e"
att = "art4"
"#,
    );
    assert_eq!(
        found,
        [
            "entry A: the id appears more than once",
            "entry B: `930150` is not an HS 2022 heading or subheading",
            "entry C: the title is empty",
            "entry B: ATT scope VIII.LW.1 is outside its parent A's scope VIII.SA",
            "entry C: parent Z does not exist",
            "entry D: its parents form a cycle",
            "entry E: its parents form a cycle",
        ]
    );
}

#[test]
fn syntax_errors_name_the_line() {
    let error = ControlList::from_toml_str(&format!(
        "{HEADER}\n[[entry]]\nid = \"A\"\natt = \"tanks\"\ntitle = \"x\"\n"
    ))
    .expect_err("bad ATT code");
    let text = error.to_string();
    assert!(
        text.starts_with("line 7: unknown ATT scope `tanks`"),
        "{text}"
    );
    let error =
        ControlList::from_toml_str("name = \"x\"\nversion = \"one\"\n").expect_err("bad semver");
    assert!(error.to_string().starts_with("line 2:"), "{error}");
}

fn lists(versions: &[ControlList]) -> ControlLists {
    ControlLists {
        versions: versions.to_vec(),
    }
}

fn with_version(list: &ControlList, version: &str) -> ControlList {
    let mut list = list.clone();
    list.version = version.parse().expect("semver");
    list
}

#[test]
fn the_semver_rule() {
    let v1 = fixture("1.0.0");
    let existing = lists(std::slice::from_ref(&v1));

    // Same version, same content: nothing to do. Same version, new content: refused.
    assert_eq!(
        existing.check_new_version(&v1),
        Ok(NewVersion::AlreadyPresent)
    );
    let mut changed = v1.clone();
    changed.entries[0].title.push_str(" (amended)");
    assert_eq!(
        existing
            .check_new_version(&changed)
            .expect_err("same number")
            .to_string(),
        "version 1.0.0 is already in the store with different content; a changed list needs a new version number"
    );

    // Removing an entry under a minor bump understates the change.
    let mut removed = with_version(&v1, "1.1.0");
    removed.entries.retain(|e| e.id != "ML2.e");
    assert_eq!(
        existing
            .check_new_version(&removed)
            .expect_err("minor removal")
            .to_string(),
        "version 1.1.0 removes or narrows ML2.e (removed): that needs a major version (2.0.0 at least)"
    );
    assert_eq!(
        existing.check_new_version(&with_version(&removed, "2.0.0")),
        Ok(NewVersion::Accepted)
    );

    // Dropping an HS code narrows the entry.
    let mut narrowed = with_version(&v1, "1.0.1");
    narrowed
        .entries
        .iter_mut()
        .find(|e| e.id == "ML3")
        .expect("ML3")
        .hs
        .retain(|h| h != "930690");
    assert_eq!(
        existing
            .check_new_version(&narrowed)
            .expect_err("narrowed")
            .to_string(),
        "version 1.0.1 removes or narrows ML3 (narrowed; HS 930690 removed): that needs a major version (2.0.0 at least)"
    );

    // Adding entries needs at least a minor bump; the shipped 1.1.0 is one.
    let v11 = fixture("1.1.0");
    assert_eq!(existing.check_new_version(&v11), Ok(NewVersion::Accepted));
    let as_patch = with_version(&v11, "1.0.1");
    let error = existing
        .check_new_version(&as_patch)
        .expect_err("patch adding")
        .to_string();
    assert!(error.starts_with("version 1.0.1 adds or widens ML10.f (added), ML4.e (added), ML5 (widened; HS 901310 added)"), "{error}");
    assert!(
        error.ends_with("that needs a minor version (1.1.0 at least)"),
        "{error}"
    );

    // Rewording is fine under a patch; going backwards is not.
    let mut reworded = with_version(&v1, "1.0.1");
    reworded.entries[0].title.push_str(" (clarified)");
    assert_eq!(
        existing.check_new_version(&reworded),
        Ok(NewVersion::Accepted)
    );
    let both = lists(&[v1.clone(), v11.clone()]);
    assert_eq!(
        both.check_new_version(&reworded)
            .expect_err("older")
            .to_string(),
        "version 1.0.1 is not newer than the latest version 1.1.0"
    );
    let mut early = with_version(&v11, "1.2.0");
    early.valid_from = "2025-01-01".parse().expect("date");
    assert!(both.check_new_version(&early).is_err());
}

#[test]
fn diff_between_the_shipped_versions() {
    golden(
        "diff-1.0.0-1.1.0.txt",
        &diff(&fixture("1.0.0"), &fixture("1.1.0")).to_string(),
    );
}

#[test]
fn the_version_in_force_depends_on_the_date() {
    let both = lists(&[fixture("1.0.0"), fixture("1.1.0")]);
    let on = |date: &str| {
        both.in_force_on(date.parse().expect("date"))
            .map(|l| l.version.to_string())
    };
    assert_eq!(on("2023-12-31"), None);
    assert_eq!(on("2024-01-01").as_deref(), Some("1.0.0"));
    assert_eq!(on("2025-12-31").as_deref(), Some("1.0.0"));
    assert_eq!(on("2026-01-01").as_deref(), Some("1.1.0"));
}

#[test]
fn classification_by_hs_code() {
    let list = fixture("1.1.0");
    let pistols = classify_hs(&list, "930200");
    let ids: Vec<&str> = pistols.candidates.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["ML1", "ML1.a.1"]);
    let aircraft = classify_hs(&list, "880240");
    assert_eq!(
        aircraft
            .candidates
            .iter()
            .map(|e| e.id.as_str())
            .collect::<Vec<_>>(),
        ["ML10.a", "ML10"]
    );
    assert!(
        aircraft.ambiguity.as_deref().is_some_and(
            |n| n.starts_with("HS heading 8802 covers civil as well as military goods")
        ),
        "{aircraft:?}"
    );
    golden(
        "classify-930190.txt",
        &classify_hs(&list, "930190").to_string(),
    );
    assert!(classify_hs(&list, "010121").candidates.is_empty());
}
