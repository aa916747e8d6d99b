//! The ATT report as an XLSX workbook, laid out for a person to read, check and submit:
//! a cover sheet, then one sheet per table listing every category of the Secretariat's
//! template in its order, with the counterpart States under each (an empty row where there
//! is nothing to report).

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{Format, FormatAlign, Workbook, Worksheet};

use super::render::{category_label, values_text};
use super::{AttReport, Flow, Row};
use crate::control_list::{ATT_SCOPES, AttScope};

/// The workbook could not be written (a limit of the format, e.g. a sheet name).
#[derive(Debug, thiserror::Error)]
#[error("writing the XLSX workbook: {0}")]
pub struct XlsxError(#[from] rust_xlsxwriter::XlsxError);

struct Formats {
    title: Format,
    header: Format,
    section: Format,
    text: Format,
    count: Format,
    money: Format,
}

impl Formats {
    fn new() -> Formats {
        Formats {
            title: Format::new().set_bold().set_font_size(14),
            header: Format::new()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Top)
                .set_background_color(0xD9E1F2),
            section: Format::new().set_bold().set_background_color(0xF2F2F2),
            text: Format::new().set_text_wrap().set_align(FormatAlign::Top),
            count: Format::new()
                .set_num_format("#,##0.##")
                .set_align(FormatAlign::Top),
            money: Format::new()
                .set_num_format("#,##0.00")
                .set_align(FormatAlign::Top),
        }
    }
}

fn number(n: Decimal) -> f64 {
    n.to_f64().unwrap_or(f64::NAN)
}

pub(crate) fn workbook(report: &AttReport) -> Result<Vec<u8>, XlsxError> {
    let formats = Formats::new();
    let mut workbook = Workbook::new();
    cover(workbook.add_worksheet(), report, &formats)?;
    for (flow, rows) in [
        (Flow::Export, &report.exports),
        (Flow::Import, &report.imports),
    ] {
        table(workbook.add_worksheet(), report, flow, rows, &formats)?;
    }
    Ok(workbook.save_to_buffer()?)
}

fn yes_no(b: bool) -> &'static str {
    if b { "Yes" } else { "No" }
}

fn cover(sheet: &mut Worksheet, report: &AttReport, f: &Formats) -> Result<(), XlsxError> {
    let c = &report.cover;
    sheet.set_name("Cover")?;
    sheet.set_column_width(0, 60)?;
    sheet.set_column_width(1, 60)?;
    sheet.write_string_with_format(
        0,
        0,
        format!("Arms Trade Treaty annual report {}", c.calendar_year),
        &f.title,
    )?;
    let contact = |field: &Option<String>| field.clone().unwrap_or_default();
    let state = match (&c.reporting_state_name, &c.reporting_state) {
        (Some(name), Some(code)) => format!("{name} ({code})"),
        (None, Some(code)) => code.clone(),
        _ => String::new(),
    };
    let lines: Vec<(&str, String)> = vec![
        ("Reporting State", state),
        (
            "Calendar year",
            format!("{} (1 January – 31 December)", c.calendar_year),
        ),
        ("Basis of the figures", c.basis.as_str().to_owned()),
        (
            "National point of contact: name",
            contact(&c.point_of_contact.name),
        ),
        ("Position", contact(&c.point_of_contact.position)),
        ("Organisation", contact(&c.point_of_contact.organisation)),
        (
            "Contact details",
            contact(&c.point_of_contact.contact_details),
        ),
        (
            "Reporting authority",
            c.reporting_authority.clone().unwrap_or_default(),
        ),
        ("Date of the report", c.date.to_string()),
        ("Exports table included", yes_no(c.exports_table).to_owned()),
        ("Imports table included", yes_no(c.imports_table).to_owned()),
        (
            "Nil report: exports",
            yes_no(c.nil_report_exports).to_owned(),
        ),
        (
            "Nil report: imports",
            yes_no(c.nil_report_imports).to_owned(),
        ),
        (
            "Information withheld as commercially sensitive or for national security (Art. 13(3))",
            yes_no(c.information_withheld).to_owned(),
        ),
        (
            "The report may be made public",
            yes_no(c.may_be_made_public).to_owned(),
        ),
    ];
    for (i, (label, value)) in lines.into_iter().enumerate() {
        let row = i as u32 + 2;
        sheet.write_string_with_format(row, 0, label, &f.header)?;
        sheet.write_string_with_format(row, 1, value, &f.text)?;
    }
    Ok(())
}

fn table(
    sheet: &mut Worksheet,
    report: &AttReport,
    flow: Flow,
    rows: &[Row],
    f: &Formats,
) -> Result<(), XlsxError> {
    let title = match flow {
        Flow::Export => "Exports",
        Flow::Import => "Imports",
    };
    sheet.set_name(title)?;
    for (col, width) in [45.0, 28.0, 14.0, 18.0, 10.0, 45.0, 45.0]
        .into_iter()
        .enumerate()
    {
        sheet.set_column_width(col as u16, width)?;
    }
    sheet.write_string_with_format(
        0,
        0,
        format!(
            "{title} of conventional arms, {} ({} basis)",
            report.cover.calendar_year, report.cover.basis
        ),
        &f.title,
    )?;
    let headings = [
        "Category / sub-category",
        flow.partner_heading(),
        "Number of items",
        "Value",
        "Currency",
        "Description of item",
        "Comments on the transfer",
    ];
    for (col, heading) in headings.into_iter().enumerate() {
        sheet.write_string_with_format(2, col as u16, heading, &f.header)?;
    }
    sheet.set_freeze_panes(3, 0)?;
    let mut line = 3u32;
    for (code, _) in ATT_SCOPES.iter().filter(|(code, _)| *code != "national") {
        let Ok(scope) = code.parse::<AttScope>() else {
            continue;
        };
        let heading = category_label(&scope);
        let here: Vec<&Row> = rows.iter().filter(|r| r.category == scope).collect();
        if !scope.is_leaf() {
            sheet.write_string_with_format(line, 0, &heading, &f.section)?;
            for col in 1..7 {
                sheet.write_blank(line, col, &f.section)?;
            }
            line += 1;
            if here.is_empty() {
                continue;
            }
        } else if here.is_empty() {
            sheet.write_string_with_format(line, 0, &heading, &f.text)?;
            line += 1;
            continue;
        }
        for row in here {
            sheet.write_string_with_format(line, 0, &heading, &f.text)?;
            sheet.write_string_with_format(
                line,
                1,
                format!("{} ({})", row.state_name, row.state),
                &f.text,
            )?;
            if let Some(items) = row.items {
                sheet.write_number_with_format(line, 2, number(items), &f.count)?;
            }
            match row.values.as_slice() {
                [] => {}
                [one] => {
                    sheet.write_number_with_format(line, 3, number(one.amount), &f.money)?;
                    sheet.write_string_with_format(line, 4, &one.currency, &f.text)?;
                }
                several => {
                    sheet.write_string_with_format(line, 3, values_text(several), &f.text)?;
                    sheet.write_string_with_format(line, 4, "several", &f.text)?;
                }
            }
            sheet.write_string_with_format(line, 5, &row.description, &f.text)?;
            sheet.write_string_with_format(line, 6, &row.comments, &f.text)?;
            line += 1;
        }
    }
    Ok(())
}
