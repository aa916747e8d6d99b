//! The national control list: the shipped versions, structural checks, the semver rule,
//! diff, HS classification and the reference tables it relies on.
//!
//! Golden files are under tests/data/control-list; `UPDATE_GOLDEN=1 cargo test` rewrites
//! them (review the diff before keeping it).

use interlock_core::control_list::{
    AttScope, Bump, ControlList, ControlListError, ControlLists, NewVersion, ProblemKind,
    SemverViolation, classify_hs, diff,
};
use interlock_core::reference;

fn fixture_text(version: &str) -> String {
    let path = format!(
        "{}/../../fixtures/control-list/national-control-list-{version}.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn fixture(version: &str) -> ControlList {
    ControlList::from_toml_str(&fixture_text(version)).unwrap_or_else(|e| panic!("{version}: {e}"))
}

fn data_path(name: &str) -> String {
    format!(
        "{}/tests/data/control-list/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[track_caller]
fn golden(name: &str, actual: &str) {
    let path = data_path(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).expect("write golden");
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    assert_eq!(actual, expected, "differs from {path}");
}

/// The error text of a bad input file.
#[track_caller]
fn error_of(name: &str) -> String {
    let path = data_path(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    match ControlList::from_toml_str(&text) {
        Ok(_) => panic!("{name} should be refused"),
        Err(error) => error.to_string(),
    }
}

// ---------------------------------------------------------------------------------------
// The shipped versions
// ---------------------------------------------------------------------------------------

#[test]
fn the_shipped_versions_are_valid_and_cover_every_att_category() {
    for version in ["1.0.0", "1.1.0"] {
        let list = fixture(version);
        assert_eq!(list.version.to_string(), version);
        assert!(list.problems().is_empty(), "{:?}", list.problems());
        // Every leaf category of the annual report, and ammunition and parts, has an
        // entry records can name.
        for scope in AttScope::all() {
            let is_leaf = AttScope::all().all(|other| other.parent().as_ref() != Some(&scope));
            if is_leaf {
                assert!(
                    list.entries.iter().any(|e| e.att == scope),
                    "{version}: no entry for ATT scope {scope}"
                );
            }
        }
        for id in [
            "ML1.a.1", "ML1.a.2", "ML1.a.4", "ML2.b", "ML3.a", "ML4.a", "ML6.b", "ML10.a",
        ] {
            assert!(list.entry(id).is_some(), "{version}: records use {id}");
        }
    }
    assert_eq!(fixture("1.0.0").valid_from.to_string(), "2024-01-01");
    assert_eq!(fixture("1.1.0").valid_from.to_string(), "2026-01-01");
}

#[test]
fn the_shipped_files_are_in_the_canonical_layout() {
    // to_toml_string writes what the files hold (below their comment header), so a list
    // written by the program reads like the shipped ones and round-trips exactly.
    for version in ["1.0.0", "1.1.0"] {
        let text = fixture_text(version);
        let body: String = text
            .lines()
            .skip_while(|line| line.starts_with('#'))
            .map(|line| format!("{line}\n"))
            .collect();
        let list = fixture(version);
        assert_eq!(list.to_toml_string(), body, "{version}");
        assert_eq!(
            ControlList::from_toml_str(&list.to_toml_string()).expect("round trip"),
            list
        );
    }
}

#[test]
fn the_tree() {
    let list = fixture("1.1.0");
    let roots: Vec<&str> = list.roots().map(|e| e.id.as_str()).collect();
    assert_eq!(roots.len(), 22);
    assert_eq!((roots[0], roots[21]), ("ML1", "ML22"));
    let children: Vec<&str> = list.children(Some("ML6")).map(|e| e.id.as_str()).collect();
    assert_eq!(children, ["ML6.a", "ML6.b", "ML6.c"]);
    assert_eq!(list.depth("ML1.a.2"), 2);
    assert!(list.is_ancestor("ML1", "ML1.a.2") && !list.is_ancestor("ML1.a.2", "ML1"));
    let tree = list.render_tree();
    assert!(
        tree.starts_with("ML1           [VIII]       Smooth bore weapons"),
        "{tree}"
    );
    assert!(
        tree.contains("\n  ML1.a       [VIII.SA]    Small arms\n    ML1.a.1   [VIII.SA.1]  Revolvers and self-loading pistols\n"),
        "{tree}"
    );
    assert_eq!(tree.lines().count(), list.entries.len());
}

// ---------------------------------------------------------------------------------------
// Structural checks, one bad file each, exact text
// ---------------------------------------------------------------------------------------

#[test]
fn duplicate_id() {
    assert_eq!(
        error_of("duplicate-id.toml"),
        "line 10: entry ML1: the id appears more than once (first on line 5)"
    );
}

#[test]
fn missing_parent() {
    assert_eq!(
        error_of("missing-parent.toml"),
        "line 7: entry ML1.a: parent ML1 does not exist"
    );
}

#[test]
fn parent_cycles_are_reported_once_each() {
    assert_eq!(
        error_of("cycle.toml"),
        "2 problems:\n  line 5: entries A -> C -> B -> A form a parent cycle\n  line 29: entries E -> E form a parent cycle"
    );
}

#[test]
fn unknown_att_codes_are_all_reported() {
    assert_eq!(
        error_of("unknown-att.toml"),
        "2 problems:\n  line 7: entry ML6.a: unknown ATT scope `IX`\n  line 12: entry ML1: unknown ATT scope `viii`"
    );
}

#[test]
fn hs_codes_must_be_hs_2022() {
    assert_eq!(
        error_of("bad-hs.toml"),
        "4 problems:\n  line 8: entry ML1: `930150` is not an HS 2022 heading or subheading\n  line 8: entry ML1: `93` is not an HS 2022 heading or subheading\n  line 8: entry ML1: `9301.90` is not an HS 2022 heading or subheading\n  line 8: entry ML1: HS code 930190 is listed twice"
    );
}

#[test]
fn bad_version_and_date() {
    let text = error_of("bad-semver.toml");
    assert!(
        text.starts_with(
            "2 problems:\n  line 2: version `1.0` is not a semver version (like 1.2.0): "
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "\n  line 3: valid_from `2024-13-01` is not an ISO 8601 date (like 2024-01-01): "
        ),
        "{text}"
    );
    // A bare TOML date is fine; a number is not a version.
    let list =
        ControlList::from_toml_str("name = \"x\"\nversion = \"0.1.0\"\nvalid_from = 2024-01-01\n")
            .expect("bare date");
    assert_eq!(list.valid_from.to_string(), "2024-01-01");
    let error =
        ControlList::from_toml_str("name = \"x\"\nversion = 1\nvalid_from = \"2024-01-01\"\n")
            .expect_err("number");
    assert_eq!(
        error.to_string(),
        "line 2: version `1` is not a semver version (like 1.2.0): write it as a string"
    );
}

#[test]
fn sub_entries_stay_inside_an_att_sub_category() {
    assert_eq!(
        error_of("outside-scope.toml"),
        "line 19: entry ML1.a.1: ATT scope VIII.LW.1 is outside its parent ML1.a's scope VIII.SA"
    );
}

#[test]
fn empty_titles_and_bad_ids() {
    assert_eq!(
        error_of("empty-title.toml"),
        "2 problems:\n  line 5: entry ML1: the title is empty\n  line 10: entry `ML 2`: an id may not contain spaces or control characters"
    );
}

#[test]
fn syntax_errors_name_the_line() {
    let text = error_of("unknown-key.toml");
    assert!(
        text.starts_with("line 9: unknown field `hs_codes`"),
        "{text}"
    );
    let error = ControlList::from_toml_str("name = \"x\"\nversion = \"1.0.0\"\n[[entry]\n")
        .expect_err("not TOML");
    assert!(
        matches!(error, ControlListError::Syntax { line: Some(3), .. }),
        "{error}"
    );
}

#[test]
fn problems_are_typed() {
    let text = std::fs::read_to_string(data_path("missing-parent.toml")).expect("read");
    let Err(ControlListError::Invalid(problems)) = ControlList::from_toml_str(&text) else {
        panic!("expected problems");
    };
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].line, Some(7));
    assert_eq!(
        problems[0].kind,
        ProblemKind::MissingParent {
            id: "ML1.a".to_owned(),
            parent: "ML1".to_owned()
        }
    );
    // A list built in code gets the same checks, without lines.
    let mut list = fixture("1.0.0");
    list.entries[1].parent = Some("nowhere".to_owned());
    let problems = list.problems();
    assert_eq!(problems.len(), 1);
    assert_eq!(
        problems[0].to_string(),
        "entry ML1.a: parent nowhere does not exist"
    );
}

// ---------------------------------------------------------------------------------------
// The semver rule
// ---------------------------------------------------------------------------------------

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

fn refusal(lists: &ControlLists, list: &ControlList) -> String {
    lists
        .check_new_version(list)
        .expect_err("should be refused")
        .to_string()
}

#[test]
fn same_version_same_content_is_a_no_op_and_different_content_is_refused() {
    let v1 = fixture("1.0.0");
    let existing = lists(std::slice::from_ref(&v1));
    assert_eq!(
        existing.check_new_version(&v1),
        Ok(NewVersion::AlreadyPresent)
    );
    let mut changed = v1.clone();
    changed.entries[0].title.push_str(" (amended)");
    assert_eq!(
        refusal(&existing, &changed),
        "version 1.0.0 is already in the store with different content; a changed list needs a new version number"
    );
}

#[test]
fn a_minor_bump_that_removes_or_narrows_is_refused_naming_the_entries() {
    let v1 = fixture("1.0.0");
    let existing = lists(std::slice::from_ref(&v1));
    let mut removed = with_version(&v1, "1.1.0");
    removed.entries.retain(|e| e.id != "ML2.e");
    removed
        .entries
        .iter_mut()
        .find(|e| e.id == "ML4")
        .expect("ML4")
        .hs
        .retain(|h| h != "930690");
    assert_eq!(
        refusal(&existing, &removed),
        "version 1.1.0 removes or narrows entries ML2.e (removed), ML4 (narrowed; HS 930690 removed): that needs a major version (2.0.0 at least)"
    );
    let violation = existing.check_new_version(&removed).expect_err("refused");
    assert!(matches!(
        violation,
        SemverViolation::Understated { needed: Bump::Major, ref minimum, .. } if minimum == "2.0.0"
    ));
    // The same changes under a major bump are accepted.
    assert_eq!(
        existing.check_new_version(&with_version(&removed, "2.0.0")),
        Ok(NewVersion::Accepted)
    );
    // Moving an entry to another ATT scope also narrows it, even under a patch bump.
    let mut moved = with_version(&v1, "1.0.1");
    moved
        .entries
        .iter_mut()
        .find(|e| e.id == "ML2.f")
        .expect("ML2.f")
        .att = AttScope::try_from("VIII.LW.2").expect("code");
    assert_eq!(
        refusal(&existing, &moved),
        "version 1.0.1 removes or narrows entries ML2.f (narrowed; ATT scope VIII.LW.7 -> VIII.LW.2): that needs a major version (2.0.0 at least)"
    );
}

#[test]
fn adding_entries_needs_a_minor_bump() {
    let v1 = fixture("1.0.0");
    let existing = lists(std::slice::from_ref(&v1));
    let v11 = fixture("1.1.0");
    assert_eq!(existing.check_new_version(&v11), Ok(NewVersion::Accepted));
    assert_eq!(
        refusal(&existing, &with_version(&v11, "1.0.1")),
        "version 1.0.1 adds or widens entries ML4.e (added), ML5 (widened; HS 901310 added), ML10.f (added): that needs a minor version (1.1.0 at least)"
    );
}

#[test]
fn rewording_needs_a_patch_bump_and_versions_only_go_forward() {
    let v1 = fixture("1.0.0");
    let v11 = fixture("1.1.0");
    let existing = lists(std::slice::from_ref(&v1));
    let mut reworded = with_version(&v1, "1.0.1");
    reworded.entries[0].title.push_str(" (clarified)");
    assert_eq!(
        existing.check_new_version(&reworded),
        Ok(NewVersion::Accepted)
    );

    let both = lists(&[v1.clone(), v11.clone()]);
    assert_eq!(
        refusal(&both, &reworded),
        "version 1.0.1 is not newer than the latest version 1.1.0"
    );
    let mut early = with_version(&v11, "1.2.0");
    early.valid_from = "2025-01-01".parse().expect("date");
    assert_eq!(
        refusal(&both, &early),
        "version 1.2.0 comes into force on 2025-01-01, before version 1.1.0 (in force from 2026-01-01); versions must come into force in version order"
    );
    // An empty store takes anything valid.
    assert_eq!(lists(&[]).check_new_version(&v11), Ok(NewVersion::Accepted));
}

// ---------------------------------------------------------------------------------------
// Diff, versions in force, classification
// ---------------------------------------------------------------------------------------

#[test]
fn diff_between_the_shipped_versions() {
    let changes = diff(&fixture("1.0.0"), &fixture("1.1.0"));
    assert_eq!(changes.required_bump(), Bump::Minor);
    let ids: Vec<&str> = changes.changes.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["ML4.e", "ML5", "ML10.f"]);
    golden("diff-1.0.0-1.1.0.txt", &changes.to_string());
    assert!(diff(&fixture("1.1.0"), &fixture("1.1.0")).is_empty());
}

#[test]
fn the_version_in_force_depends_on_the_date() {
    let both = lists(&[fixture("1.1.0"), fixture("1.0.0")]);
    let on = |date: &str| {
        both.in_force_on(date.parse().expect("date"))
            .map(|l| l.version.to_string())
    };
    assert_eq!(on("2023-12-31"), None);
    assert_eq!(on("2024-01-01").as_deref(), Some("1.0.0"));
    assert_eq!(on("2025-12-31").as_deref(), Some("1.0.0"));
    assert_eq!(on("2026-01-01").as_deref(), Some("1.1.0"));
    assert_eq!(on("2030-06-30").as_deref(), Some("1.1.0"));
}

#[test]
fn classification_by_hs_code() {
    let list = fixture("1.1.0");
    let ids = |code: &str| -> Vec<String> {
        classify_hs(&list, code)
            .candidates
            .iter()
            .map(|c| c.entry.id.clone())
            .collect()
    };

    // 9301.90 holds most of ML1: ambiguous between the small arms sub-categories.
    let weapons = classify_hs(&list, "930190");
    assert!(weapons.ambiguous);
    assert!(
        weapons
            .candidates
            .iter()
            .all(|c| c.entry.id.starts_with("ML1") || c.entry.id == "ML2.f")
    );
    assert_eq!(
        weapons.candidates.last().map(|c| c.entry.id.as_str()),
        Some("ML1")
    );
    golden("classify-930190.txt", &weapons.to_string());

    // A national 8-digit code under 9302 is pistols; ML1 is implied by ML1.a.1.
    let pistols = classify_hs(&list, "9302.00.00");
    assert_eq!(pistols.hs_code, "93020000");
    assert_eq!(ids("93020000"), ["ML1.a.1", "ML1"]);
    assert!(!pistols.ambiguous, "{pistols}");
    assert_eq!(pistols.unique().map(|e| e.id.as_str()), Some("ML1.a.1"));

    // Large aircraft: one entry, but the heading is civil too.
    let aircraft = classify_hs(&list, "880240");
    assert_eq!(ids("880240"), ["ML10.a", "ML10"]);
    assert!(aircraft.ambiguous);
    assert!(
        aircraft
            .notes
            .iter()
            .any(|n| n.starts_with("HS 8802 covers civil as well as military goods")),
        "{aircraft}"
    );
    assert_eq!(aircraft.unique(), None);

    // 8906.10 is warships by definition; the rest of 8906 is not.
    let warships = classify_hs(&list, "890610");
    assert!(
        warships.notes.iter().all(|n| !n.contains("civil")),
        "{warships}"
    );
    assert!(
        classify_hs(&list, "890690")
            .notes
            .iter()
            .any(|n| n.contains("only 8906.10 is warships"))
    );

    // Tanks are tanks, but three entries share 8710.
    assert_eq!(ids("871000"), ["ML6.a", "ML6.b", "ML6.c", "ML6"]);

    // Horses are not controlled; nonsense is said to be nonsense.
    let horses = classify_hs(&list, "010121");
    assert!(horses.candidates.is_empty() && !horses.ambiguous);
    assert!(classify_hs(&list, "99x").notes[0].contains("not an HS 2022"));
}

#[test]
fn reference_lookups() {
    for code in ["DE", "NA", "GB", "US", "FR"] {
        assert!(reference::is_country(code), "{code}");
    }
    assert_eq!(reference::country_name("NA"), Some("Namibia"));
    assert_eq!(reference::country_name("GB"), Some("United Kingdom"));
    assert!(!reference::is_country("XX") && !reference::is_country("gb"));
    assert!(reference::is_currency("EUR") && reference::is_currency("XDR"));
    assert_eq!(reference::currency_name("GBP"), Some("Pound Sterling"));
    assert!(!reference::is_currency("EURO"));
    assert!(reference::is_unit("NAR") && reference::is_unit("C62") && reference::is_unit("KGM"));
    assert_eq!(reference::unit_name("NAR"), Some("number of articles"));
    assert!(!reference::is_unit("PCS"));
    assert!(reference::is_hs_code("930190") && reference::is_hs_code("9301"));
    assert!(reference::is_hs_code("93019000") && reference::is_hs_code("9301900010"));
    assert!(!reference::is_hs_code("999999") && !reference::is_hs_code("93019"));
    assert!(!reference::is_hs_code("99999999") && !reference::is_hs_code("930190000"));
    assert_eq!(
        reference::hs_description("9302"),
        Some("Revolvers and pistols; other than those of heading no. 9303 or 9304")
    );
    assert_eq!(reference::hs_description("93019000"), None);
}
