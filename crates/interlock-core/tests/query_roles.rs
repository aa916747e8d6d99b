//! `Query::destination` and `Query::origin`: which countries count as where the goods go
//! and where they come from, for each record kind, and how those filters combine with the
//! others (`--country` still matches a country in any role).

mod support;

use interlock_core::store::Query;
use support::TempStore;

/// One record of every kind that names countries, each with countries in several roles.
fn records() -> Vec<String> {
    [
        // An export licence to DE (IR prohibited, FR en route), exporter in GB, end user in
        // DE, broker in CH.
        r#"{"agency":"licensing","source_ref":"LIC-1","record":{"kind":"authorization","reference":"LIC-1","direction":"export","status":"issued","issuing_authority":"Export Control Joint Unit","issue_date":"2026-02-01","valid_until":"2028-02-01","parties":[{"role":"exporter","name":"Albion Arms","country":"GB"},{"role":"end_user","name":"Bundeswehr","country":"DE"},{"role":"broker","name":"Helvetic Brokers","country":"CH"}],"countries":[{"country":"DE","role":"destination"},{"country":"IR","role":"destination","prohibited":true},{"country":"FR","role":"en_route"}],"lines":[{"line_no":1,"description":"Rifles","quantity":{"amount":"10","unit":"NAR"}}]}}"#,
        // An import declaration: sent from US, made in CN, into GB; the declarant is in NL.
        r#"{"agency":"customs","source_ref":"IMP-1/1","record":{"kind":"customs_declaration","declaration_ref":"IMP-1","item_no":1,"procedure":"import","date":"2026-03-01","parties":[{"role":"importer","name":"Albion Arms","country":"GB"},{"role":"declarant","name":"Dutch Forwarding","country":"NL"}],"country_of_dispatch":"US","country_of_origin":"CN","country_of_destination":"GB","description":"Pistols"}}"#,
        // A weapon made in AT, imported into GB.
        r#"{"agency":"police","source_ref":"ITEM-1","record":{"kind":"item","make":"Glock","model":"17","serial":"GLK-1","country_of_manufacture":"AT","import_mark":{"country":"GB","year":2020}}}"#,
        // A seizure in GB of a rifle made in RU, traced with BE.
        r#"{"agency":"police","source_ref":"CASE-1","record":{"kind":"police_case","case_ref":"CASE-1","police_agency":"Metropolitan Police","date":"2026-04-01","country":"GB","event":"trace_request_sent","trace_counterpart":"BE","items":[{"make":"Kalashnikov","serial":"AK-1","country_of_manufacture":"RU"}]}}"#,
        // An embargo on arms from KP, and one on arms to LY.
        r#"{"agency":"licensing","source_ref":"EMB-KP","record":{"kind":"embargo","authority":"un_security_council","instrument":"UNSCR 1718 (2006)","target_country":"KP","direction":"procurement","scope":"all_arms","start":"2006-10-14"}}"#,
        r#"{"agency":"licensing","source_ref":"EMB-LY","record":{"kind":"embargo","authority":"un_security_council","instrument":"UNSCR 1970 (2011)","target_country":"LY","direction":"supply","scope":"all_arms","start":"2011-02-26"}}"#,
        // A transfer from FR to IN as a public register reports it.
        r#"{"agency":"other","source_ref":"SIPRI-1","record":{"kind":"reported_transfer","source":{"kind":"public_register","name":"SIPRI Arms Transfers Database"},"supplier":{"name":"France","code":"FR"},"recipient":{"name":"India","code":"IN"},"order_year":2016,"description":"Rafale"}}"#,
        // DE refused an export to BY.
        r#"{"agency":"licensing","source_ref":"DEN-1","record":{"kind":"denial","reference":"DEN-1","notifying_country":"DE","date":"2026-01-05","reason":"Criterion 1","destination_country":"BY","entities":[{"role":"end_user","name":"Example Entity","country":"BY"}]}}"#,
        // NO certifies the end use and confirms the delivery.
        r#"{"agency":"licensing","source_ref":"EUC-1","record":{"kind":"end_user_certificate","reference":"EUC-1","issuing_country":"NO","date":"2025-12-10","end_user":{"role":"end_user","name":"Forsvarsmateriell","country":"NO"},"goods_description":"Rifles","authorization_ref":"LIC-1"}}"#,
        r#"{"agency":"licensing","source_ref":"DVC-1","record":{"kind":"delivery_verification","reference":"DVC-1","issuing_country":"NO","date":"2026-08-20","authorization_ref":"LIC-1"}}"#,
    ]
    .map(str::to_owned)
    .to_vec()
}

fn imported() -> TempStore {
    let fx = TempStore::new();
    fx.import("roles.jsonl", &records()).expect("import");
    fx
}

/// The source references of what `query` finds, sorted.
fn found(fx: &TempStore, query: Query) -> Vec<String> {
    let mut refs: Vec<String> = fx
        .store
        .query(&query)
        .expect("query")
        .into_iter()
        .map(|r| r.draft.source_ref)
        .collect();
    refs.sort();
    refs
}

fn to(country: &str) -> Query {
    Query {
        destination: Some(country.to_owned()),
        ..Query::default()
    }
}

fn from(country: &str) -> Query {
    Query {
        origin: Some(country.to_owned()),
        ..Query::default()
    }
}

#[test]
fn destinations_are_where_the_goods_go_for_every_kind() {
    let fx = imported();
    // The licence's destination and its end user's country.
    assert_eq!(found(&fx, to("DE")), ["LIC-1"]);
    // A prohibited destination, a country en route and a broker's country are not where
    // the goods go; `country` still finds them.
    for country in ["IR", "FR", "CH"] {
        assert!(
            !found(&fx, to(country)).contains(&"LIC-1".to_owned()),
            "{country}"
        );
        let any = Query {
            country: Some(country.to_owned()),
            ..Query::default()
        };
        assert!(found(&fx, any).contains(&"LIC-1".to_owned()), "{country}");
    }
    // Into GB: the import declaration (destination, importer) and the import-marked item.
    assert_eq!(found(&fx, to("GB")), ["IMP-1/1", "ITEM-1"]);
    assert_eq!(found(&fx, to("LY")), ["EMB-LY"]);
    assert_eq!(found(&fx, to("IN")), ["SIPRI-1"]);
    assert_eq!(found(&fx, to("BY")), ["DEN-1"]);
    assert_eq!(found(&fx, to("NO")), ["DVC-1", "EUC-1"]);
    // A declarant's country, a trace counterpart, a procurement embargo's target: no.
    for country in ["NL", "BE", "KP"] {
        assert_eq!(found(&fx, to(country)), Vec::<String>::new(), "{country}");
    }
}

#[test]
fn origins_are_where_the_goods_were_made_or_sent_from() {
    let fx = imported();
    // The licence's exporter.
    assert_eq!(found(&fx, from("GB")), ["LIC-1"]);
    // Sent from US, made in CN.
    assert_eq!(found(&fx, from("US")), ["IMP-1/1"]);
    assert_eq!(found(&fx, from("CN")), ["IMP-1/1"]);
    assert_eq!(found(&fx, from("AT")), ["ITEM-1"]);
    assert_eq!(found(&fx, from("RU")), ["CASE-1"]);
    assert_eq!(found(&fx, from("KP")), ["EMB-KP"]);
    assert_eq!(found(&fx, from("FR")), ["SIPRI-1"]);
    // A denial's notifying State refused the transfer: the goods never came from it.
    assert_eq!(found(&fx, from("DE")), Vec::<String>::new());
    assert_eq!(found(&fx, from("LY")), Vec::<String>::new());
}

#[test]
fn destination_and_origin_combine_with_the_other_filters() {
    let fx = imported();
    // Lower case works, as for `country`.
    assert_eq!(found(&fx, to("gb")), ["IMP-1/1", "ITEM-1"]);
    let both = Query {
        destination: Some("GB".into()),
        origin: Some("US".into()),
        ..Query::default()
    };
    assert_eq!(found(&fx, both), ["IMP-1/1"]);
    let with_kind = Query {
        destination: Some("GB".into()),
        kind: Some(interlock_core::RecordKind::Item),
        ..Query::default()
    };
    assert_eq!(found(&fx, with_kind), ["ITEM-1"]);
    let with_country = Query {
        country: Some("CN".into()),
        destination: Some("GB".into()),
        ..Query::default()
    };
    assert_eq!(found(&fx, with_country), ["IMP-1/1"]);
    let with_agency = Query {
        origin: Some("GB".into()),
        agency: Some("customs".into()),
        ..Query::default()
    };
    assert_eq!(found(&fx, with_agency), Vec::<String>::new());
    let with_dates = Query {
        destination: Some("NO".into()),
        from: Some("2026-01-01".parse().expect("date")),
        ..Query::default()
    };
    assert_eq!(found(&fx, with_dates), ["DVC-1"]);
    // The serial index picks the candidates; the origin still decides.
    let with_serial = Query {
        serial: Some("ak 1".into()),
        origin: Some("RU".into()),
        ..Query::default()
    };
    assert_eq!(found(&fx, with_serial), ["CASE-1"]);
    let wrong_origin = Query {
        serial: Some("ak 1".into()),
        origin: Some("AT".into()),
        ..Query::default()
    };
    assert_eq!(found(&fx, wrong_origin), Vec::<String>::new());
}
