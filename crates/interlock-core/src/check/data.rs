//! The records the rules read, grouped by kind, each with what a finding needs to cite it.

use std::collections::BTreeMap;

use jiff::civil::Date;

use super::Evidence;
use crate::control_list::ControlLists;
use crate::model::{
    Authorization, Body, CustomsDeclaration, CustomsLicenceStatus, DeliveryVerification, Denial,
    Draft, Embargo, EndUserCertificate, Item, LicenceUsage, PoliceCase, RecordId, RecordKind,
    ReportedTransfer, StoredRecord,
};

/// Where a record came from: enough to cite it as evidence.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordMeta {
    pub id: RecordId,
    pub kind: RecordKind,
    pub agency: String,
    pub source_ref: String,
    pub revision: u32,
    pub source_file: String,
    pub line: Option<u64>,
    pub event_date: Option<Date>,
}

impl RecordMeta {
    pub fn of(record: &StoredRecord) -> RecordMeta {
        RecordMeta {
            id: record.id,
            kind: record.kind,
            agency: record.draft.agency.clone(),
            source_ref: record.draft.source_ref.clone(),
            revision: record.revision,
            source_file: record.provenance.source_file.clone(),
            line: record.provenance.line,
            event_date: record.event_date,
        }
    }

    /// This record as evidence playing `role` in a finding.
    pub fn evidence(&self, role: &str) -> Evidence {
        Evidence {
            record: self.id,
            kind: self.kind,
            agency: self.agency.clone(),
            source_ref: self.source_ref.clone(),
            revision: self.revision,
            source_file: self.source_file.clone(),
            line: self.line,
            role: role.to_owned(),
        }
    }

    /// `file:line`, for explanations.
    pub fn location(&self) -> String {
        match self.line {
            Some(line) => format!("{}:{line}", self.source_file),
            None => self.source_file.clone(),
        }
    }
}

/// A record of one kind with its envelope.
#[derive(Clone, Debug)]
pub struct Rec<T> {
    pub meta: RecordMeta,
    pub body: T,
}

/// Every current record, by kind, and the control lists. Licences are also found by
/// reference, as customs cites them.
#[derive(Debug, Default)]
pub struct Dataset {
    pub lists: ControlLists,
    /// The reporting State (ISO 3166-1 alpha-2) from the settings; `None` when the
    /// settings do not give it, and rules then infer it from the licences
    /// (`own_country` in `check/rules/mirror.rs`).
    pub reporting_state: Option<String>,
    pub licences: Vec<Rec<Authorization>>,
    pub declarations: Vec<Rec<CustomsDeclaration>>,
    pub usages: Vec<Rec<LicenceUsage>>,
    pub customs_statuses: Vec<Rec<CustomsLicenceStatus>>,
    pub items: Vec<Rec<Item>>,
    pub police_cases: Vec<Rec<PoliceCase>>,
    pub end_user_certificates: Vec<Rec<EndUserCertificate>>,
    pub delivery_verifications: Vec<Rec<DeliveryVerification>>,
    pub denials: Vec<Rec<Denial>>,
    pub embargoes: Vec<Rec<Embargo>>,
    pub reported_transfers: Vec<Rec<ReportedTransfer>>,
    /// Licence reference → index in `licences`.
    by_reference: BTreeMap<String, usize>,
    /// Declaration reference → indexes in `usages`: rules that look from a declaration to
    /// its write-offs would otherwise scan every write-off for every item.
    usages_by_declaration: BTreeMap<String, Vec<usize>>,
}

impl Dataset {
    pub fn new(records: Vec<StoredRecord>, lists: ControlLists) -> Dataset {
        let mut data = Dataset {
            lists,
            ..Dataset::default()
        };
        for record in records {
            let meta = RecordMeta::of(&record);
            match record.draft.record {
                Body::Authorization(body) => data.licences.push(Rec { meta, body }),
                Body::CustomsDeclaration(body) => data.declarations.push(Rec { meta, body }),
                Body::LicenceUsage(body) => data.usages.push(Rec { meta, body }),
                Body::CustomsLicenceStatus(body) => data.customs_statuses.push(Rec { meta, body }),
                Body::Item(body) => data.items.push(Rec { meta, body }),
                Body::PoliceCase(body) => data.police_cases.push(Rec { meta, body }),
                Body::EndUserCertificate(body) => {
                    data.end_user_certificates.push(Rec { meta, body })
                }
                Body::DeliveryVerification(body) => {
                    data.delivery_verifications.push(Rec { meta, body })
                }
                Body::Denial(body) => data.denials.push(Rec { meta, body }),
                Body::Embargo(body) => data.embargoes.push(Rec { meta, body }),
                Body::ReportedTransfer(body) => data.reported_transfers.push(Rec { meta, body }),
                // Never stored: the store applies status changes to the licence.
                Body::AuthorizationStatusChange(_) => {}
            }
        }
        for (index, usage) in data.usages.iter().enumerate() {
            data.usages_by_declaration
                .entry(usage.body.declaration_ref.clone())
                .or_default()
                .push(index);
        }
        for (index, licence) in data.licences.iter().enumerate() {
            data.by_reference
                .insert(licence.body.reference.clone(), index);
        }
        data
    }

    /// A dataset of drafts as if each had just been imported from `source_file`, draft n
    /// on line n+1, revision 1: for tests and tools that check records before storing them.
    pub fn from_drafts(drafts: Vec<Draft>, source_file: &str, lists: ControlLists) -> Dataset {
        let records = drafts
            .into_iter()
            .enumerate()
            .map(|(index, draft)| StoredRecord {
                schema_version: crate::model::RECORD_SCHEMA_VERSION,
                id: draft.id(),
                kind: draft.record.kind(),
                revision: 1,
                captured_at: jiff::Timestamp::UNIX_EPOCH,
                event_date: draft.record.event_date(),
                content_hash: draft.content_hash(),
                provenance: crate::model::Provenance {
                    adapter: crate::model::Adapter::JsonLines,
                    source_file: source_file.to_owned(),
                    source_sha256: String::new(),
                    line: Some(index as u64 + 1),
                    batch: 0,
                },
                draft,
            })
            .collect();
        Dataset::new(records, lists)
    }

    /// The write-offs customs recorded for a declaration.
    pub fn usages_of_declaration(
        &self,
        declaration_ref: &str,
    ) -> impl Iterator<Item = &Rec<LicenceUsage>> {
        self.usages_by_declaration
            .get(declaration_ref)
            .into_iter()
            .flatten()
            .filter_map(|index| self.usages.get(*index))
    }

    /// The licence with this reference, as customs cites it.
    pub fn licence(&self, reference: &str) -> Option<&Rec<Authorization>> {
        self.by_reference
            .get(reference)
            .and_then(|index| self.licences.get(*index))
    }
}
